#include "config.h"
#include "tests/lib/test.h"
int main(void)
{
	return test_done();
}
