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
if type(value) ~= 'string' then
  return {'corrupt', 'the record key does not hold a string'}
end
local state, length = string.byte(value, 1, 2)
if state ~= 105 and state ~= 99 then
  return {'corrupt', 'the record has no known layout or state'}
end
if not length or length > 64 then
  return {'corrupt', 'the record header has no valid fingerprint length'}
end
local fingerprint_end = 2 + length
if (state == 105 and #value < fingerprint_end + 16) or #value < fingerprint_end then
  return {'corrupt', 'the record header is cut short'}
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
