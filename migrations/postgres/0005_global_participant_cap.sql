-- chitchat_append with the chat's participant cap (see 0003 for the rest): a
-- JOIN is refused as 'full' while p_max_participants are present, counted across
-- every server sharing the log (NULL: no cap). Before, each server counted only
-- the participants it had let in, so N servers let in N times the cap.
-- An overload: 0003's four-argument function stays, so servers not yet upgraded
-- keep appending (without the shared cap) while the others are.
CREATE FUNCTION chitchat_append(
  p_batch jsonb, p_sent_at_ms bigint, p_server_id text, p_lease_ttl_ms bigint,
  p_max_participants bigint
) RETURNS jsonb
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
    IF v_kind = 'leave' AND (v_draft->>'vanished')::boolean IS TRUE AND EXISTS (
      SELECT 1 FROM participants p JOIN servers s ON s.id = p.holder_id
      WHERE p.id = v_pid AND p.left_seq IS NULL AND p.streaming
        AND s.renewed_at_ms > (extract(epoch FROM clock_timestamp()) * 1000)::bigint - p_lease_ttl_ms
    ) THEN
      v_results := v_results || jsonb_build_object('status', 'refused', 'reason', 'held');
      CONTINUE;
    END IF;
    IF v_kind IN ('message', 'leave') AND NOT EXISTS (
      SELECT 1 FROM participants WHERE id = v_pid AND left_seq IS NULL
    ) THEN
      v_results := v_results || jsonb_build_object('status', 'refused', 'reason', 'not_present');
      CONTINUE;
    END IF;
    -- Counted under the clock's lock, so joins through every server see one count.
    IF v_kind = 'join' AND p_max_participants IS NOT NULL AND (
      SELECT count(*) FROM participants WHERE left_seq IS NULL
    ) >= p_max_participants THEN
      v_results := v_results || jsonb_build_object('status', 'refused', 'reason', 'full');
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
      INSERT INTO participants (id, name, name_key, token_hash, joined_seq, joined_at, holder_id)
        VALUES (v_pid, v_name, v_key, v_draft->>'tokenHash', v_seq, v_time, p_server_id);
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
