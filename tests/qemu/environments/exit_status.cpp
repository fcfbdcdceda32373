// Exits with a distinctive status, which must come out of the machine unchanged.
int main() { return 42; }
