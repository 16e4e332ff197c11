/* Victim: holds a socket, which the core cannot dump yet. Writes DIR/ready
 * and sleeps until killed. */
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char path[4096];
	FILE *f;

	if (argc != 2)
		return 2;
	close_range(3, ~0U, 0);
	if (socket(AF_UNIX, SOCK_STREAM, 0) < 0)
		return 3;
	snprintf(path, sizeof(path), "%s/ready", argv[1]);
	f = fopen(path, "w");
	fprintf(f, "%d\n", getpid());
	fclose(f);
	for (;;)
		pause();
}
