-- claim: create an in-flight record, or report the live one.
-- KEYS[1] the record; ARGV[1] the whole in-flight value ('i', fingerprint length byte,
-- fingerprint, 16-byte lease token), ARGV[2] lease in ms.
-- Replies {'acquired'}, {'mismatch'}, {'in_flight', pttl_ms}, {'replay', response}
-- or {'corrupt', reason}. Only 'acquired' writes.
local record, fresh = KEYS[1], ARGV[1]
if redis.call('SET', record, fresh, 'NX', 'PX', ARGV[2]) then
  return {'acquired'}
end

-- The key exists: read it whole in one call. An in-flight record is only a header; a
-- completed one is copied in full, which a replay needs anyway and only a mismatch wastes.
local value = redis.pcall('GET', record)
local state, fingerprint_end = parse(value)
if not state then
  return {'corrupt', fingerprint_end}
end
if string.sub(value, 2, fingerprint_end) ~= string.sub(fresh, 2, 2 + string.byte(fresh, 2)) then
  return {'mismatch'}
end
local ttl = redis.call('PTTL', record)
if ttl < 0 then
  return {'corrupt', 'the record has no expiry'}
end
if state == 105 then
  return {'in_flight', ttl}
end
return {'replay', string.sub(value, fingerprint_end + 1)}
