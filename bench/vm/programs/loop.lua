local function run()
  local s = 0
  for i = 0, 10000000 - 1 do s = (s + i * 2) % 1000003 end
  return s
end
print(run())
