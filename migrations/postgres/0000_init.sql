CREATE TABLE "events" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"logical_time" bigint NOT NULL,
	"sent_at" timestamp (3) with time zone GENERATED ALWAYS AS (to_timestamp(sent_at_ms / 1000.0)) STORED,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"content" text NOT NULL,
	"participant_id" text NOT NULL,
	"message_id" text,
	"sent_at_ms" bigint NOT NULL,
	CONSTRAINT "events_kind" CHECK ("events"."kind" in ('join', 'message', 'leave'))
);
--> statement-breakpoint
CREATE TABLE "log_info" (
	"singleton" integer PRIMARY KEY NOT NULL,
	"log_id" text NOT NULL,
	"created_at_ms" bigint NOT NULL,
	CONSTRAINT "log_info_singleton" CHECK ("log_info"."singleton" = 1)
);
--> statement-breakpoint
CREATE TABLE "log_top" (
	"singleton" integer PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL,
	"logical_time" bigint NOT NULL,
	CONSTRAINT "log_top_singleton" CHECK ("log_top"."singleton" = 1)
);
--> statement-breakpoint
CREATE TABLE "participants" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"name_key" text NOT NULL,
	"token_hash" text NOT NULL,
	"joined_seq" bigint NOT NULL,
	"joined_at" bigint NOT NULL,
	"left_seq" bigint,
	"left_at" bigint
);
--> statement-breakpoint
CREATE UNIQUE INDEX "events_logical_time" ON "events" USING btree ("logical_time");--> statement-breakpoint
CREATE UNIQUE INDEX "events_message_id" ON "events" USING btree ("participant_id","message_id") WHERE "events"."message_id" is not null;--> statement-breakpoint
CREATE INDEX "participants_present" ON "participants" USING btree ("id") WHERE "participants"."left_seq" is null;--> statement-breakpoint
CREATE INDEX "participants_present_name" ON "participants" USING btree ("name_key") WHERE "participants"."left_seq" is null;