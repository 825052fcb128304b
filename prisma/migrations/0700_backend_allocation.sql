-- Backends as the allocator sees them: a backend is public (any project may get servers on it)
-- or pinned to the projects listed in "BackendProject"; "capacityAt" is the time of the last
-- successful capacity read through RAPI (older than the configured age: read again before placing).
ALTER TABLE "Backend" ADD COLUMN "public" BOOLEAN NOT NULL DEFAULT true;
ALTER TABLE "Backend" ADD COLUMN "capacityAt" TIMESTAMPTZ(6);

CREATE TABLE "BackendProject" (
  "backendId" UUID NOT NULL,
  "projectId" TEXT NOT NULL,
  "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "BackendProject_pkey" PRIMARY KEY ("backendId", "projectId")
);
CREATE INDEX "BackendProject_projectId_idx" ON "BackendProject"("projectId");
ALTER TABLE "BackendProject" ADD CONSTRAINT "BackendProject_backendId_fkey" FOREIGN KEY ("backendId") REFERENCES "Backend"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "BackendProject" ADD CONSTRAINT "BackendProject_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;
