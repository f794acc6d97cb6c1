-- lookup: read the live record without changing it.
-- KEYS[1] the record.
-- Replies {} when absent, {'in_flight', fingerprint, pttl_ms},
-- {'completed', fingerprint, pttl_ms, response} or {'corrupt', reason}.
local record = KEYS[1]
local kind = redis.call('TYPE', record).ok
if kind == 'none' then
  return {}
end
if kind ~= 'hash' then
  return {'corrupt', 'the record key holds a ' .. kind .. ', not a hash'}
end

local fields = redis.call('HMGET', record, 'state', 'fingerprint', 'response')
local state, fingerprint, response = fields[1], fields[2], fields[3]
local ttl = redis.call('PTTL', record)
if not fingerprint then
  return {'corrupt', 'the record has no fingerprint'}
end
if ttl < 0 then
  return {'corrupt', 'the record has no expiry'}
end
if state == 'in_flight' then
  return {'in_flight', fingerprint, ttl}
end
if state == 'completed' and response then
  return {'completed', fingerprint, ttl, response}
end
return {'corrupt', 'the record has no known state or no response'}
