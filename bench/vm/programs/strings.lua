local function run()
  local total = 0
  for k = 0, 199 do
    local s = ""
    for i = 0, 1999 do s = s .. "ab" .. i end
    total = total + #s
  end
  return total
end
print(run())
