-- chitchat_append(batch, sent_at_ms): one append transaction in one round trip.
-- Locks the log's clock (log_top FOR UPDATE), so appends from every server take
-- turns; stamps each stored draft seq = top + 1 and logical_time = max(top, draft) + 1;
-- decides join names among present participants (name_key is the JavaScript
-- lowercase, '#2', '#3', ... on a clash); returns an earlier event for a repeated
-- (participant, message_id), even one earlier in the same batch; refuses a message or
-- leave from a participant who is not present; notifies 'chitchat_log' with the new
-- top seq (delivered at commit).
-- Draft: {kind, participantId, name, nameKey?, logicalTime, tokenHash?, content?, messageId?}.
-- Result per draft, in order: {status: 'stored' | 'duplicate', seq, logicalTime, name,
-- content, sentAtMs} or {status: 'refused'}.
-- The join and leave sentences are joinSentence/leaveSentence of src/protocol/events.ts;
-- the store contract tests hold both backends to them.
CREATE FUNCTION chitchat_append(p_batch jsonb, p_sent_at_ms bigint) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  v_seq bigint;
  v_time bigint;
  v_draft jsonb;
  v_kind text;
  v_pid text;
  v_name text;
  v_key text;
  v_content text;
  v_message_id text;
  v_suffix integer;
  v_found events%ROWTYPE;
  v_results jsonb[] := ARRAY[]::jsonb[];
  v_stored boolean := false;
BEGIN
  SELECT seq, logical_time INTO v_seq, v_time FROM log_top WHERE singleton = 1 FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'log_top is empty: the log was not initialised';
  END IF;
  FOR v_draft IN SELECT value FROM jsonb_array_elements(p_batch) LOOP
    v_kind := v_draft->>'kind';
    v_pid := v_draft->>'participantId';
    v_name := v_draft->>'name';
    v_message_id := NULL;
    IF v_kind = 'message' AND v_draft->>'messageId' IS NOT NULL THEN
      v_message_id := v_draft->>'messageId';
      SELECT * INTO v_found FROM events
        WHERE participant_id = v_pid AND message_id = v_message_id;
      IF FOUND THEN
        v_results := v_results || jsonb_build_object(
          'status', 'duplicate', 'seq', v_found.seq, 'logicalTime', v_found.logical_time,
          'name', v_found.name, 'content', v_found.content, 'sentAtMs', v_found.sent_at_ms);
        CONTINUE;
      END IF;
    END IF;
    IF v_kind IN ('message', 'leave') AND NOT EXISTS (
      SELECT 1 FROM participants WHERE id = v_pid AND left_seq IS NULL
    ) THEN
      v_results := v_results || jsonb_build_object('status', 'refused');
      CONTINUE;
    END IF;
    v_seq := v_seq + 1;
    v_time := greatest(v_time, (v_draft->>'logicalTime')::bigint) + 1;
    IF v_kind = 'join' THEN
      v_key := v_draft->>'nameKey';
      v_suffix := 1;
      WHILE EXISTS (SELECT 1 FROM participants WHERE name_key = v_key AND left_seq IS NULL) LOOP
        v_suffix := v_suffix + 1;
        v_name := (v_draft->>'name') || '#' || v_suffix;
        v_key := (v_draft->>'nameKey') || '#' || v_suffix;
      END LOOP;
      INSERT INTO participants (id, name, name_key, token_hash, joined_seq, joined_at)
        VALUES (v_pid, v_name, v_key, v_draft->>'tokenHash', v_seq, v_time);
      v_content := 'Participant ' || v_name || ' joined Chit Chat at logical time ' || v_time;
    ELSIF v_kind = 'leave' THEN
      UPDATE participants SET left_seq = v_seq, left_at = v_time
        WHERE id = v_pid AND left_seq IS NULL;
      v_content := 'Participant ' || v_name || ' left Chit Chat at logical time ' || v_time;
    ELSE
      v_content := v_draft->>'content';
    END IF;
    INSERT INTO events (seq, logical_time, kind, name, content, participant_id, message_id, sent_at_ms)
      VALUES (v_seq, v_time, v_kind, v_name, v_content, v_pid, v_message_id, p_sent_at_ms);
    v_stored := true;
    v_results := v_results || jsonb_build_object(
      'status', 'stored', 'seq', v_seq, 'logicalTime', v_time,
      'name', v_name, 'content', v_content, 'sentAtMs', p_sent_at_ms);
  END LOOP;
  IF v_stored THEN
    UPDATE log_top SET seq = v_seq, logical_time = v_time WHERE singleton = 1;
    PERFORM pg_notify('chitchat_log', v_seq::text);
  END IF;
  RETURN to_jsonb(v_results);
END;
$$;
