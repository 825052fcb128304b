import { defineConfig } from 'prisma/config';

// Only `prisma generate` runs here; migrations are SQL files applied by our own runner.
export default defineConfig({
  schema: 'prisma/schema.prisma',
});
