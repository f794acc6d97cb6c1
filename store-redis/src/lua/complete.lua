-- complete: save the response while the token owns the in-flight record.
-- KEYS[1] the record; ARGV[1] lease token, ARGV[2] encoded response, ARGV[3] retention in ms.
-- Replies 1 when saved, 0 (and writes nothing) when the token owns no in-flight record.
local record = KEYS[1]
if redis.call('TYPE', record).ok ~= 'hash' then
  return 0
end
local fields = redis.call('HMGET', record, 'state', 'token')
if fields[1] ~= 'in_flight' or fields[2] ~= ARGV[1] then
  return 0
end
redis.call('HSET', record, 'state', 'completed', 'response', ARGV[2])
redis.call('HDEL', record, 'token')
redis.call('PEXPIRE', record, ARGV[3])
return 1
