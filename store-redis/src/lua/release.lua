-- release: delete the record while the token owns it in flight.
-- KEYS[1] the record; ARGV[1] lease token.
-- Replies 1 when deleted, 0 (and writes nothing) when the token owns no in-flight record.
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
redis.call('DEL', record)
return 1
