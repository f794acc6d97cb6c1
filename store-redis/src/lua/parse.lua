-- parse: checks the header of a record read whole, shared by claim and lookup.
-- Returns the state byte (105 'i' in flight, 99 'c' completed) and the index of the
-- fingerprint's last byte, or nil and the reason the record is corrupt.
local function parse(value)
  if type(value) ~= 'string' then
    return nil, 'the record key does not hold a string'
  end
  local state, length = string.byte(value, 1, 2)
  if state ~= 105 and state ~= 99 then
    return nil, 'the record has no known layout or state'
  end
  if not length or length > 64 then
    return nil, 'the record header has no valid fingerprint length'
  end
  local fingerprint_end = 2 + length
  if (state == 105 and #value < fingerprint_end + 16) or #value < fingerprint_end then
    return nil, 'the record header is cut short'
  end
  return state, fingerprint_end
end

