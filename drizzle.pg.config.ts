import { defineConfig } from "drizzle-kit";

// The PostgreSQL log's migrations (the SQLite ones are drizzle.config.ts's, in migrations/).
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/store/postgres/schema.ts",
  out: "./migrations/postgres",
});
