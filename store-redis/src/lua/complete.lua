-- complete: save the response while the token owns the in-flight record.
-- KEYS[1] the record; ARGV[1] lease token, ARGV[2] encoded response, ARGV[3] retention in ms.
-- Replies 1 when saved, 0 (and writes nothing) when the token owns no in-flight record.
local record = KEYS[1]
local header, length = owned(record, ARGV[1])
if not header then
  return 0
end
redis.call('SET', record, 'c' .. string.sub(header, 2, 2 + length) .. ARGV[2], 'PX', ARGV[3])
return 1
