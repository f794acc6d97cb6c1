-- renew: give the owner's lease a new length from now.
-- KEYS[1] the record; ARGV[1] lease token, ARGV[2] lease in ms.
-- Replies 1 when renewed, 0 (and writes nothing) when the token owns no in-flight record.
local record = KEYS[1]
local header = redis.pcall('GETRANGE', record, 0, 81)
if type(header) ~= 'string' or string.byte(header, 1) ~= 105 then
  return 0
end
local length = string.byte(header, 2)
if not length or length > 64 or #header < 18 + length
    or string.sub(header, 3 + length, 18 + length) ~= ARGV[1] then
  return 0
end
redis.call('PEXPIRE', record, ARGV[2])
return 1
