// multipos entry point: placeholder until the command-line front lands.
#include <cstdio>
int main() { std::puts("multipos"); return 0; }
