function run() {
  let total = 0
  for (let k = 0; k < 200; k++) {
    let s = ""
    for (let i = 0; i < 2000; i++) s += "ab" + i
    total += s.length
  }
  return total
}
console.log(run())
