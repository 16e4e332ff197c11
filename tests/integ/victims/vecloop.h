/* vec_loop(): load fixed patterns into vector registers and check them
 * every round until *stop. Returns 1 if they never changed, 0 if not. */
#ifndef VECLOOP_H
#define VECLOOP_H
#include <signal.h>
int vec_loop(volatile sig_atomic_t *stop);
#endif
