// A child that exits at once, leaving a stale id behind.
int main() { return 0; }
