-- owned: whether `token` owns the in-flight record, shared by complete, release and renew.
-- Reads no more than the longest header (82 bytes), never the response. Returns the header
-- and the fingerprint's length when the token owns the record, nil otherwise.
local function owned(record, token)
  local header = redis.pcall('GETRANGE', record, 0, 81)
  if type(header) ~= 'string' or string.byte(header, 1) ~= 105 then
    return nil
  end
  local length = string.byte(header, 2)
  if not length or length > 64 or #header < 18 + length
      or string.sub(header, 3 + length, 18 + length) ~= token then
    return nil
  end
  return header, length
end

