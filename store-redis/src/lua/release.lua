-- release: delete the record while the token owns it in flight.
-- KEYS[1] the record; ARGV[1] lease token.
-- Replies 1 when deleted, 0 (and writes nothing) when the token owns no in-flight record.
local record = KEYS[1]
if not owned(record, ARGV[1]) then
  return 0
end
redis.call('DEL', record)
return 1
