-- renew: give the owner's lease a new length from now.
-- KEYS[1] the record; ARGV[1] lease token, ARGV[2] lease in ms.
-- Replies 1 when renewed, 0 (and writes nothing) when the token owns no in-flight record.
local record = KEYS[1]
if not owned(record, ARGV[1]) then
  return 0
end
redis.call('PEXPIRE', record, ARGV[2])
return 1
