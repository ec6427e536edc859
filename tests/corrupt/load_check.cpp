// STUB (owner: bytecode helper) — replace.
int main() { return 0; }
