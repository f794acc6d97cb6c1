-- claim: create an in-flight record, or report the live one.
-- KEYS[1] the record; ARGV[1] fingerprint, ARGV[2] fresh lease token, ARGV[3] lease in ms.
-- Replies {'acquired'}, {'mismatch'}, {'in_flight', pttl_ms}, {'replay', response}
-- or {'corrupt', reason}. Only 'acquired' writes.
local record = KEYS[1]
local kind = redis.call('TYPE', record).ok
if kind == 'none' then
  redis.call('HSET', record, 'state', 'in_flight', 'fingerprint', ARGV[1], 'token', ARGV[2])
  redis.call('PEXPIRE', record, ARGV[3])
  return {'acquired'}
end
if kind ~= 'hash' then
  return {'corrupt', 'the record key holds a ' .. kind .. ', not a hash'}
end

local fields = redis.call('HMGET', record, 'state', 'fingerprint')
local state, fingerprint = fields[1], fields[2]
if (state ~= 'in_flight' and state ~= 'completed') or not fingerprint then
  return {'corrupt', 'the record has no known state or no fingerprint'}
end
if fingerprint ~= ARGV[1] then
  return {'mismatch'}
end
local ttl = redis.call('PTTL', record)
if ttl < 0 then
  return {'corrupt', 'the record has no expiry'}
end
if state == 'in_flight' then
  return {'in_flight', ttl}
end
local response = redis.call('HGET', record, 'response')
if not response then
  return {'corrupt', 'the completed record has no response'}
end
return {'replay', response}
