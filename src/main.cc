#include <iostream>

int main(int argc, char** argv) {
  std::cout << "switchyard " << SWITCHYARD_VERSION << "\n";
  return 0;
}
