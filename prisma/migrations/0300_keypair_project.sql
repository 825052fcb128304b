-- The project whose key_pairs quota a key pair was charged to (key pairs belong to users, quotas
-- to projects), so a delete gives the quota back to the same project.
ALTER TABLE "KeyPair" ADD COLUMN "projectId" TEXT;
