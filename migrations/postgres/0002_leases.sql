CREATE TABLE "servers" (
	"id" text PRIMARY KEY NOT NULL,
	"address" text NOT NULL,
	"admin_url" text,
	"started_at_ms" bigint NOT NULL,
	"renewed_at_ms" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "holder_id" text;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "streaming" boolean DEFAULT false NOT NULL;