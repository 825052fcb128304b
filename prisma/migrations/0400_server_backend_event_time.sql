-- The dispatcher records job bookkeeping (backendJobId/Status/Opcode/LogMsg) for every message,
-- ordered by this timestamp, while "backendTime" orders state changes (successes) only.
ALTER TABLE "Server" ADD COLUMN "backendEventTime" BIGINT;
