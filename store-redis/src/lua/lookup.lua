-- lookup: read the live record without changing it.
-- KEYS[1] the record.
-- Replies {} when absent, {'in_flight', fingerprint, pttl_ms},
-- {'completed', fingerprint, pttl_ms, response} or {'corrupt', reason}.
local record = KEYS[1]
local value = redis.pcall('GET', record)
if value == false then
  return {}
end
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
local ttl = redis.call('PTTL', record)
if ttl < 0 then
  return {'corrupt', 'the record has no expiry'}
end
local fingerprint = string.sub(value, 3, fingerprint_end)
if state == 105 then
  return {'in_flight', fingerprint, ttl}
end
return {'completed', fingerprint, ttl, string.sub(value, fingerprint_end + 1)}
