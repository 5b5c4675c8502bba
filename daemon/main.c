#include "daemon.h"

int
main(int argc, char **argv)
{
  return booth_main(argc, argv);
}
