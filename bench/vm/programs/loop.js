function run() {
  let s = 0
  for (let i = 0; i < 10000000; i++) s = (s + i * 2) % 1000003
  return s
}
console.log(run())
