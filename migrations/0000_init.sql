CREATE TABLE `events` (
	`seq` integer PRIMARY KEY NOT NULL,
	`logical_time` integer NOT NULL,
	`sent_at` text GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', sent_at_ms / 1000.0, 'unixepoch')) VIRTUAL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`content` text NOT NULL,
	`participant_id` text NOT NULL,
	`message_id` text,
	`sent_at_ms` integer NOT NULL,
	CONSTRAINT "events_kind" CHECK("events"."kind" in ('join', 'message', 'leave'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_logical_time` ON `events` (`logical_time`);--> statement-breakpoint
CREATE UNIQUE INDEX `events_message_id` ON `events` (`participant_id`,`message_id`) WHERE "events"."message_id" is not null;--> statement-breakpoint
CREATE TABLE `log_info` (
	`singleton` integer PRIMARY KEY NOT NULL,
	`log_id` text NOT NULL,
	`created_at_ms` integer NOT NULL,
	CONSTRAINT "log_info_singleton" CHECK("log_info"."singleton" = 1)
);
--> statement-breakpoint
CREATE TABLE `participants` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`token_hash` text NOT NULL,
	`joined_seq` integer NOT NULL,
	`joined_at` integer NOT NULL,
	`left_seq` integer,
	`left_at` integer
);
--> statement-breakpoint
CREATE INDEX `participants_present` ON `participants` (`id`) WHERE "participants"."left_seq" is null;