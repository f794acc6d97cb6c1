-- lookup: read the live record without changing it.
-- KEYS[1] the record.
-- Replies {} when absent, {'in_flight', fingerprint, pttl_ms},
-- {'completed', fingerprint, pttl_ms, response} or {'corrupt', reason}.
local record = KEYS[1]
local value = redis.pcall('GET', record)
if value == false then
  return {}
end
local state, fingerprint_end = parse(value)
if not state then
  return {'corrupt', fingerprint_end}
end
local ttl = redis.call('PTTL', record)
if ttl < 0 then
  return {'corrupt', 'the record has no expiry'}
end
local fingerprint = string.sub(value, 3, fingerprint_end)
if state == 105 then
  return {'in_flight', fingerprint, ttl}
end
return {'completed', fingerprint, ttl, string.sub(value, fingerprint_end + 1)}
