DROP INDEX "events_message_id";--> statement-breakpoint
CREATE UNIQUE INDEX "events_message_id" ON "events" USING btree ("message_id","participant_id") WHERE "events"."message_id" is not null;