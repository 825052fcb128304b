-- Nefos initial schema. Mirrors prisma/schema.prisma (checked by schema-drift.medium-spec.ts).

CREATE TYPE "CommissionStatus" AS ENUM ('PENDING', 'ACCEPTED', 'REJECTED');
CREATE TYPE "OperState" AS ENUM ('BUILD', 'STARTED', 'STOPPED', 'ERROR', 'DESTROYED');

-- identity
CREATE TABLE "Domain" (
  "id" TEXT NOT NULL,
  "name" TEXT NOT NULL,
  "description" TEXT NOT NULL DEFAULT '',
  "enabled" BOOLEAN NOT NULL DEFAULT true,
  "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "Domain_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "Domain_name_key" ON "Domain"("name");

CREATE TABLE "Project" (
  "id" TEXT NOT NULL,
  "name" TEXT NOT NULL,
  "domainId" TEXT NOT NULL,
  "description" TEXT NOT NULL DEFAULT '',
  "enabled" BOOLEAN NOT NULL DEFAULT true,
  "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" TIMESTAMPTZ(6) NOT NULL,
  CONSTRAINT "Project_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "Project_domainId_name_key" ON "Project"("domainId", "name");

CREATE TABLE "User" (
  "id" TEXT NOT NULL,
  "name" TEXT NOT NULL,
  "domainId" TEXT NOT NULL,
  "passwordHash" TEXT NOT NULL,
  "email" TEXT,
  "description" TEXT NOT NULL DEFAULT '',
  "enabled" BOOLEAN NOT NULL DEFAULT true,
  "defaultProjectId" TEXT,
  "passwordExpiresAt" TIMESTAMPTZ(6),
  "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" TIMESTAMPTZ(6) NOT NULL,
  CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "User_domainId_name_key" ON "User"("domainId", "name");

CREATE TABLE "Role" (
  "id" TEXT NOT NULL,
  "name" TEXT NOT NULL,
  CONSTRAINT "Role_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "Role_name_key" ON "Role"("name");

CREATE TABLE "RoleAssignment" (
  "userId" TEXT NOT NULL,
  "projectId" TEXT NOT NULL,
  "roleId" TEXT NOT NULL,
  "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "RoleAssignment_pkey" PRIMARY KEY ("userId", "projectId", "roleId")
);
CREATE INDEX "RoleAssignment_projectId_idx" ON "RoleAssignment"("projectId");

CREATE TABLE "Token" (
  "hash" TEXT NOT NULL,
  "userId" TEXT NOT NULL,
  "projectId" TEXT,
  "methods" TEXT[],
  "auditId" TEXT NOT NULL,
  "issuedAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "expiresAt" TIMESTAMPTZ(6) NOT NULL,
  "revokedAt" TIMESTAMPTZ(6),
  CONSTRAINT "Token_pkey" PRIMARY KEY ("hash")
);
CREATE INDEX "Token_userId_idx" ON "Token"("userId");
CREATE INDEX "Token_expiresAt_idx" ON "Token"("expiresAt");

-- quotas
CREATE TABLE "Quota" (
  "projectId" TEXT NOT NULL,
  "resource" TEXT NOT NULL,
  "limit" INTEGER NOT NULL,
  CONSTRAINT "Quota_pkey" PRIMARY KEY ("projectId", "resource")
);

CREATE TABLE "QuotaUsage" (
  "projectId" TEXT NOT NULL,
  "resource" TEXT NOT NULL,
  "inUse" INTEGER NOT NULL DEFAULT 0,
  "reserved" INTEGER NOT NULL DEFAULT 0,
  "updatedAt" TIMESTAMPTZ(6) NOT NULL,
  CONSTRAINT "QuotaUsage_pkey" PRIMARY KEY ("projectId", "resource")
);

CREATE TABLE "Commission" (
  "id" UUID NOT NULL,
  "projectId" TEXT NOT NULL,
  "serverId" UUID,
  "action" TEXT NOT NULL,
  "deltas" JSONB NOT NULL,
  "status" "CommissionStatus" NOT NULL DEFAULT 'PENDING',
  "backendJobId" INTEGER,
  "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "resolvedAt" TIMESTAMPTZ(6),
  CONSTRAINT "Commission_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "Commission_projectId_status_idx" ON "Commission"("projectId", "status");
CREATE INDEX "Commission_serverId_idx" ON "Commission"("serverId");

-- flavors and images
CREATE TABLE "Flavor" (
  "id" TEXT NOT NULL,
  "name" TEXT NOT NULL,
  "vcpus" INTEGER NOT NULL,
  "ramMb" INTEGER NOT NULL,
  "diskGb" INTEGER NOT NULL,
  "ephemeralGb" INTEGER NOT NULL DEFAULT 0,
  "swapMb" INTEGER NOT NULL DEFAULT 0,
  "rxtxFactor" DOUBLE PRECISION NOT NULL DEFAULT 1,
  "isPublic" BOOLEAN NOT NULL DEFAULT true,
  "disabled" BOOLEAN NOT NULL DEFAULT false,
  "description" TEXT,
  "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "deletedAt" TIMESTAMPTZ(6),
  CONSTRAINT "Flavor_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "Flavor_name_key" ON "Flavor"("name");
CREATE INDEX "Flavor_deletedAt_ramMb_diskGb_idx" ON "Flavor"("deletedAt", "ramMb", "diskGb");

CREATE TABLE "FlavorExtraSpec" (
  "flavorId" TEXT NOT NULL,
  "key" TEXT NOT NULL,
  "value" TEXT NOT NULL,
  CONSTRAINT "FlavorExtraSpec_pkey" PRIMARY KEY ("flavorId", "key")
);

CREATE TABLE "FlavorAccess" (
  "flavorId" TEXT NOT NULL,
  "projectId" TEXT NOT NULL,
  CONSTRAINT "FlavorAccess_pkey" PRIMARY KEY ("flavorId", "projectId")
);

CREATE TABLE "Image" (
  "id" UUID NOT NULL,
  "name" TEXT NOT NULL,
  "ownerProjectId" TEXT,
  "status" TEXT NOT NULL DEFAULT 'queued',
  "visibility" TEXT NOT NULL DEFAULT 'private',
  "diskFormat" TEXT,
  "containerFormat" TEXT,
  "sizeBytes" BIGINT,
  "checksum" TEXT,
  "minDiskGb" INTEGER NOT NULL DEFAULT 0,
  "minRamMb" INTEGER NOT NULL DEFAULT 0,
  "protected" BOOLEAN NOT NULL DEFAULT false,
  "location" TEXT,
  "osFamily" TEXT,
  "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" TIMESTAMPTZ(6) NOT NULL,
  "deletedAt" TIMESTAMPTZ(6),
  CONSTRAINT "Image_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "Image_visibility_deletedAt_createdAt_idx" ON "Image"("visibility", "deletedAt", "createdAt");
CREATE INDEX "Image_ownerProjectId_deletedAt_idx" ON "Image"("ownerProjectId", "deletedAt");
CREATE INDEX "Image_name_idx" ON "Image"("name");

CREATE TABLE "ImageProperty" (
  "imageId" UUID NOT NULL,
  "key" TEXT NOT NULL,
  "value" TEXT NOT NULL,
  CONSTRAINT "ImageProperty_pkey" PRIMARY KEY ("imageId", "key")
);

-- backends
CREATE TABLE "Backend" (
  "id" UUID NOT NULL,
  "name" TEXT NOT NULL,
  "rapiUrl" TEXT NOT NULL,
  "rapiUser" TEXT NOT NULL,
  "rapiPassword" TEXT NOT NULL,
  "hypervisor" TEXT NOT NULL DEFAULT 'kvm',
  "drained" BOOLEAN NOT NULL DEFAULT false,
  "offline" BOOLEAN NOT NULL DEFAULT false,
  "ctotal" INTEGER NOT NULL DEFAULT 0,
  "cfree" INTEGER NOT NULL DEFAULT 0,
  "mtotal" INTEGER NOT NULL DEFAULT 0,
  "mfree" INTEGER NOT NULL DEFAULT 0,
  "dtotal" INTEGER NOT NULL DEFAULT 0,
  "dfree" INTEGER NOT NULL DEFAULT 0,
  "pinstCnt" INTEGER NOT NULL DEFAULT 0,
  "lastHeartbeatAt" TIMESTAMPTZ(6),
  "lastHeartbeatOk" BOOLEAN,
  "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" TIMESTAMPTZ(6) NOT NULL,
  CONSTRAINT "Backend_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "Backend_name_key" ON "Backend"("name");

CREATE TABLE "BackendNode" (
  "backendId" UUID NOT NULL,
  "name" TEXT NOT NULL,
  "role" TEXT NOT NULL DEFAULT 'regular',
  "drained" BOOLEAN NOT NULL DEFAULT false,
  "offline" BOOLEAN NOT NULL DEFAULT false,
  "ctotal" INTEGER NOT NULL DEFAULT 0,
  "mtotal" INTEGER NOT NULL DEFAULT 0,
  "mfree" INTEGER NOT NULL DEFAULT 0,
  "dtotal" INTEGER NOT NULL DEFAULT 0,
  "dfree" INTEGER NOT NULL DEFAULT 0,
  "pinstCnt" INTEGER NOT NULL DEFAULT 0,
  "updatedAt" TIMESTAMPTZ(6) NOT NULL,
  CONSTRAINT "BackendNode_pkey" PRIMARY KEY ("backendId", "name")
);

-- servers
CREATE TABLE "Server" (
  "id" UUID NOT NULL,
  "name" TEXT NOT NULL,
  "projectId" TEXT NOT NULL,
  "userId" TEXT NOT NULL,
  "flavorId" TEXT NOT NULL,
  "imageId" UUID,
  "backendId" UUID,
  "instanceName" TEXT NOT NULL,
  "hostNode" TEXT,
  "operstate" "OperState" NOT NULL DEFAULT 'BUILD',
  "task" TEXT,
  "taskJobId" INTEGER,
  "backendJobId" INTEGER,
  "backendJobStatus" TEXT,
  "backendOpcode" TEXT,
  "backendLogMsg" TEXT,
  "backendTime" BIGINT,
  "buildProgress" INTEGER NOT NULL DEFAULT 0,
  "oldFlavorId" TEXT,
  "resizePending" BOOLEAN NOT NULL DEFAULT false,
  "faultCode" INTEGER,
  "faultMessage" TEXT,
  "faultDetails" TEXT,
  "faultAt" TIMESTAMPTZ(6),
  "keyName" TEXT,
  "keyData" TEXT,
  "accessIpv4" TEXT,
  "accessIpv6" TEXT,
  "adminPassHash" TEXT,
  "userData" TEXT,
  "availabilityZone" TEXT NOT NULL DEFAULT 'nova',
  "diskConfig" TEXT NOT NULL DEFAULT 'MANUAL',
  "configDrive" BOOLEAN NOT NULL DEFAULT false,
  "deleted" BOOLEAN NOT NULL DEFAULT false,
  "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" TIMESTAMPTZ(6) NOT NULL,
  "launchedAt" TIMESTAMPTZ(6),
  "terminatedAt" TIMESTAMPTZ(6),
  CONSTRAINT "Server_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "Server_instanceName_key" ON "Server"("instanceName");
CREATE INDEX "Server_projectId_deleted_createdAt_id_idx" ON "Server"("projectId", "deleted", "createdAt" DESC, "id" DESC);
CREATE INDEX "Server_deleted_createdAt_id_idx" ON "Server"("deleted", "createdAt" DESC, "id" DESC);
CREATE INDEX "Server_updatedAt_idx" ON "Server"("updatedAt");
CREATE INDEX "Server_backendId_deleted_idx" ON "Server"("backendId", "deleted");
CREATE INDEX "Server_operstate_deleted_idx" ON "Server"("operstate", "deleted");

CREATE TABLE "ServerMetadata" (
  "serverId" UUID NOT NULL,
  "key" TEXT NOT NULL,
  "value" TEXT NOT NULL,
  CONSTRAINT "ServerMetadata_pkey" PRIMARY KEY ("serverId", "key")
);

CREATE TABLE "ServerTrail" (
  "id" BIGSERIAL NOT NULL,
  "serverId" UUID NOT NULL,
  "at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "source" TEXT NOT NULL,
  "requestId" TEXT,
  "jobId" INTEGER,
  "opcode" TEXT,
  "status" TEXT,
  "message" TEXT NOT NULL,
  "data" JSONB,
  CONSTRAINT "ServerTrail_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "ServerTrail_serverId_id_idx" ON "ServerTrail"("serverId", "id");
CREATE INDEX "ServerTrail_requestId_idx" ON "ServerTrail"("requestId");

CREATE TABLE "KeyPair" (
  "id" UUID NOT NULL,
  "userId" TEXT NOT NULL,
  "name" TEXT NOT NULL,
  "type" TEXT NOT NULL DEFAULT 'ssh',
  "publicKey" TEXT NOT NULL,
  "fingerprint" TEXT NOT NULL,
  "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "KeyPair_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "KeyPair_userId_name_key" ON "KeyPair"("userId", "name");

-- networks
CREATE TABLE "Network" (
  "id" UUID NOT NULL,
  "name" TEXT NOT NULL,
  "projectId" TEXT,
  "shared" BOOLEAN NOT NULL DEFAULT false,
  "external" BOOLEAN NOT NULL DEFAULT false,
  "flavor" TEXT NOT NULL DEFAULT 'CUSTOM',
  "mode" TEXT NOT NULL DEFAULT 'bridged',
  "link" TEXT,
  "macPrefix" TEXT,
  "mtu" INTEGER NOT NULL DEFAULT 1500,
  "status" TEXT NOT NULL DEFAULT 'ACTIVE',
  "adminStateUp" BOOLEAN NOT NULL DEFAULT true,
  "isDefault" BOOLEAN NOT NULL DEFAULT false,
  "deleted" BOOLEAN NOT NULL DEFAULT false,
  "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" TIMESTAMPTZ(6) NOT NULL,
  CONSTRAINT "Network_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "Network_projectId_deleted_idx" ON "Network"("projectId", "deleted");

CREATE TABLE "BackendNetwork" (
  "networkId" UUID NOT NULL,
  "backendId" UUID NOT NULL,
  "backendName" TEXT NOT NULL,
  "operstate" TEXT NOT NULL DEFAULT 'PENDING',
  "backendJobId" INTEGER,
  "backendJobStatus" TEXT,
  "backendLogMsg" TEXT,
  "backendTime" BIGINT,
  "updatedAt" TIMESTAMPTZ(6) NOT NULL,
  CONSTRAINT "BackendNetwork_pkey" PRIMARY KEY ("networkId", "backendId")
);

CREATE TABLE "Subnet" (
  "id" UUID NOT NULL,
  "networkId" UUID NOT NULL,
  "name" TEXT NOT NULL DEFAULT '',
  "ipVersion" INTEGER NOT NULL DEFAULT 4,
  "cidr" TEXT NOT NULL,
  "gatewayIp" TEXT,
  "enableDhcp" BOOLEAN NOT NULL DEFAULT true,
  "dnsNameservers" TEXT[],
  "allocationPools" JSONB NOT NULL,
  "hostRoutes" JSONB NOT NULL DEFAULT '[]',
  "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "Subnet_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "Subnet_networkId_idx" ON "Subnet"("networkId");

CREATE TABLE "IpAddress" (
  "id" UUID NOT NULL,
  "subnetId" UUID NOT NULL,
  "address" TEXT NOT NULL,
  "portId" UUID,
  "projectId" TEXT,
  "floating" BOOLEAN NOT NULL DEFAULT false,
  "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "IpAddress_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "IpAddress_subnetId_address_key" ON "IpAddress"("subnetId", "address");
CREATE INDEX "IpAddress_portId_idx" ON "IpAddress"("portId");
CREATE INDEX "IpAddress_address_idx" ON "IpAddress"("address");

CREATE TABLE "Port" (
  "id" UUID NOT NULL,
  "networkId" UUID NOT NULL,
  "serverId" UUID,
  "projectId" TEXT NOT NULL,
  "name" TEXT NOT NULL DEFAULT '',
  "macAddress" TEXT NOT NULL,
  "nicIndex" INTEGER,
  "backendUuid" TEXT,
  "status" TEXT NOT NULL DEFAULT 'BUILD',
  "deviceOwner" TEXT NOT NULL DEFAULT '',
  "firewallProfile" TEXT,
  "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" TIMESTAMPTZ(6) NOT NULL,
  CONSTRAINT "Port_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "Port_macAddress_key" ON "Port"("macAddress");
CREATE INDEX "Port_serverId_idx" ON "Port"("serverId");
CREATE INDEX "Port_networkId_idx" ON "Port"("networkId");
CREATE INDEX "Port_projectId_idx" ON "Port"("projectId");

-- volumes
CREATE TABLE "Volume" (
  "id" UUID NOT NULL,
  "name" TEXT NOT NULL DEFAULT '',
  "description" TEXT NOT NULL DEFAULT '',
  "projectId" TEXT NOT NULL,
  "userId" TEXT NOT NULL,
  "sizeGb" INTEGER NOT NULL,
  "status" TEXT NOT NULL DEFAULT 'creating',
  "volumeType" TEXT,
  "imageId" UUID,
  "bootable" BOOLEAN NOT NULL DEFAULT false,
  "deleted" BOOLEAN NOT NULL DEFAULT false,
  "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" TIMESTAMPTZ(6) NOT NULL,
  CONSTRAINT "Volume_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "Volume_projectId_deleted_idx" ON "Volume"("projectId", "deleted");

CREATE TABLE "VolumeAttachment" (
  "id" UUID NOT NULL,
  "volumeId" UUID NOT NULL,
  "serverId" UUID NOT NULL,
  "device" TEXT,
  "diskIndex" INTEGER,
  "deleteOnTermination" BOOLEAN NOT NULL DEFAULT false,
  "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "VolumeAttachment_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "VolumeAttachment_volumeId_key" ON "VolumeAttachment"("volumeId");
CREATE INDEX "VolumeAttachment_serverId_idx" ON "VolumeAttachment"("serverId");

-- consoles and system state
CREATE TABLE "ConsoleToken" (
  "hash" TEXT NOT NULL,
  "serverId" UUID NOT NULL,
  "userId" TEXT NOT NULL,
  "projectId" TEXT NOT NULL,
  "host" TEXT NOT NULL,
  "port" INTEGER NOT NULL,
  "kind" TEXT NOT NULL DEFAULT 'novnc',
  "requestId" TEXT,
  "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "expiresAt" TIMESTAMPTZ(6) NOT NULL,
  "usedAt" TIMESTAMPTZ(6),
  CONSTRAINT "ConsoleToken_pkey" PRIMARY KEY ("hash")
);
CREATE INDEX "ConsoleToken_expiresAt_idx" ON "ConsoleToken"("expiresAt");
CREATE INDEX "ConsoleToken_serverId_idx" ON "ConsoleToken"("serverId");

CREATE TABLE "SystemState" (
  "key" TEXT NOT NULL,
  "value" JSONB NOT NULL,
  "updatedAt" TIMESTAMPTZ(6) NOT NULL,
  CONSTRAINT "SystemState_pkey" PRIMARY KEY ("key")
);

-- foreign keys
ALTER TABLE "Project" ADD CONSTRAINT "Project_domainId_fkey" FOREIGN KEY ("domainId") REFERENCES "Domain"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "User" ADD CONSTRAINT "User_domainId_fkey" FOREIGN KEY ("domainId") REFERENCES "Domain"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "RoleAssignment" ADD CONSTRAINT "RoleAssignment_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "RoleAssignment" ADD CONSTRAINT "RoleAssignment_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "RoleAssignment" ADD CONSTRAINT "RoleAssignment_roleId_fkey" FOREIGN KEY ("roleId") REFERENCES "Role"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Token" ADD CONSTRAINT "Token_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Quota" ADD CONSTRAINT "Quota_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "QuotaUsage" ADD CONSTRAINT "QuotaUsage_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Commission" ADD CONSTRAINT "Commission_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "FlavorExtraSpec" ADD CONSTRAINT "FlavorExtraSpec_flavorId_fkey" FOREIGN KEY ("flavorId") REFERENCES "Flavor"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "FlavorAccess" ADD CONSTRAINT "FlavorAccess_flavorId_fkey" FOREIGN KEY ("flavorId") REFERENCES "Flavor"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ImageProperty" ADD CONSTRAINT "ImageProperty_imageId_fkey" FOREIGN KEY ("imageId") REFERENCES "Image"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "BackendNode" ADD CONSTRAINT "BackendNode_backendId_fkey" FOREIGN KEY ("backendId") REFERENCES "Backend"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Server" ADD CONSTRAINT "Server_flavorId_fkey" FOREIGN KEY ("flavorId") REFERENCES "Flavor"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Server" ADD CONSTRAINT "Server_imageId_fkey" FOREIGN KEY ("imageId") REFERENCES "Image"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "Server" ADD CONSTRAINT "Server_backendId_fkey" FOREIGN KEY ("backendId") REFERENCES "Backend"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "ServerMetadata" ADD CONSTRAINT "ServerMetadata_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "Server"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ServerTrail" ADD CONSTRAINT "ServerTrail_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "Server"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "KeyPair" ADD CONSTRAINT "KeyPair_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "BackendNetwork" ADD CONSTRAINT "BackendNetwork_networkId_fkey" FOREIGN KEY ("networkId") REFERENCES "Network"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "BackendNetwork" ADD CONSTRAINT "BackendNetwork_backendId_fkey" FOREIGN KEY ("backendId") REFERENCES "Backend"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Subnet" ADD CONSTRAINT "Subnet_networkId_fkey" FOREIGN KEY ("networkId") REFERENCES "Network"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "IpAddress" ADD CONSTRAINT "IpAddress_subnetId_fkey" FOREIGN KEY ("subnetId") REFERENCES "Subnet"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "IpAddress" ADD CONSTRAINT "IpAddress_portId_fkey" FOREIGN KEY ("portId") REFERENCES "Port"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "Port" ADD CONSTRAINT "Port_networkId_fkey" FOREIGN KEY ("networkId") REFERENCES "Network"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Port" ADD CONSTRAINT "Port_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "Server"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "VolumeAttachment" ADD CONSTRAINT "VolumeAttachment_volumeId_fkey" FOREIGN KEY ("volumeId") REFERENCES "Volume"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "VolumeAttachment" ADD CONSTRAINT "VolumeAttachment_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "Server"("id") ON DELETE CASCADE ON UPDATE CASCADE;
