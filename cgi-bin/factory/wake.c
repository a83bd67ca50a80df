/* SPDX-License-Identifier: ISC */
/*
 * wake: how a new order reaches a worker within a second rather than at the
 * next cron run.
 *
 * A worker in --loop or --drain mode holds an flock() on
 * <state_dir>/worker.lock and listens on the datagram socket
 * <state_dir>/worker.sock.  After an order commits, the FastCGI program
 * sends one byte to it: one non-blocking sendto() per order.  If nobody
 * listens (no socket, or a stale one: ENOENT, ECONNREFUSED), it starts
 * `worker_program -c <config> --drain` in a session of its own; that worker
 * takes the lock and the socket, works until nothing is due, waits a while
 * for more wake-ups and exits.  Two started at once are harmless: one gets
 * the lock and listens, the other only works (and the leases keep them off
 * each other's orders).
 *
 * On PostgreSQL the workers of every node share the orders, so a new
 * order also sends a NOTIFY on the channel "factory_work", and a worker
 * in --loop or --drain mode LISTENs on its database connection beside the
 * socket: an order placed on one node wakes a worker on any node.  The
 * local socket and the spawn stay, so that a node whose own worker is not
 * running still gets one.
 *
 * Nothing here can fail a request: the order is committed already, and
 * cron runs the worker every minute anyway.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "factory.h"
#include "log.h"

extern char	**environ;

#define WAKE_CHANNEL	"factory_work"	/* LISTEN/NOTIFY (PostgreSQL) */

/* <state_dir>/name into out; GH_ETOOLONG if it does not fit. */
static enum gh_err
wake_path(struct factory *f, const char *name, char *out, size_t outsz)
{
	int	n;

	n = snprintf(out, outsz, "%s/%s",
	    gh_conf_state_dir(&f->conf), name);
	if (n < 0 || (size_t)n >= outsz)
		return GH_ETOOLONG;
	return GH_OK;
}

/* The socket's address; a state_dir too long for sun_path is logged. */
static enum gh_err
wake_addr(struct factory *f, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (wake_path(f, "worker.sock", sun->sun_path,
	    sizeof(sun->sun_path)) != GH_OK) {
		gh_log("%s: state_dir is too long for a socket name: no "
		    "wake-ups, the worker runs from cron only", __func__);
		return GH_ETOOLONG;
	}
	return GH_OK;
}

/*
 * Start `worker_program -c <config> --drain` detached: its own session,
 * stdin and stdout on /dev/null, default signals, no descriptor of ours
 * but stderr (so its lines land in the server's error log beside ours).
 * Children we started earlier and that have exited are reaped first: they
 * are the only children this process has outside gh_proc_run(), which
 * reaps its own before it returns.
 */
static void
wake_spawn(struct factory *f)
{
	const char			*prog;
	const char			*argv[5];
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 attr;
	sigset_t			 none, dfl;
	pid_t				 pid;
	short				 flags;
	int				 rc, fa_init = 0, attr_init = 0;

	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	prog = factory_conf_str(&f->conf, FACTORY_CONF_WORKER_PROGRAM);
	if (prog[0] == '\0' || f->conf.path == NULL)
		return;
	argv[0] = prog;
	argv[1] = "-c";
	argv[2] = f->conf.path;
	argv[3] = "--drain";
	argv[4] = NULL;
	if ((rc = posix_spawn_file_actions_init(&fa)) != 0)
		goto out;
	fa_init = 1;
	if ((rc = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO,
	    "/dev/null", O_RDONLY, 0)) != 0 ||
	    (rc = posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO,
	    "/dev/null", O_WRONLY, 0)) != 0)
		goto out;
#if defined(__GLIBC__) && defined(__GLIBC_PREREQ)
#if __GLIBC_PREREQ(2, 34)
	/* The FastCGI connection must not live on in the worker. */
	if ((rc = posix_spawn_file_actions_addclosefrom_np(&fa,
	    STDERR_FILENO + 1)) != 0)
		goto out;
#endif
#endif
	if ((rc = posix_spawnattr_init(&attr)) != 0)
		goto out;
	attr_init = 1;
	sigemptyset(&none);
	sigfillset(&dfl);
	flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
#ifdef POSIX_SPAWN_SETSID
	flags |= POSIX_SPAWN_SETSID;
#else
	flags |= POSIX_SPAWN_SETPGROUP;
#endif
	if ((rc = posix_spawnattr_setflags(&attr, flags)) != 0 ||
	    (rc = posix_spawnattr_setsigmask(&attr, &none)) != 0 ||
	    (rc = posix_spawnattr_setsigdefault(&attr, &dfl)) != 0)
		goto out;
	/* posix_spawn() takes char *const[]; it never writes through them. */
	rc = posix_spawn(&pid, prog, &fa, &attr,
	    (char *const *)(uintptr_t)argv, environ);
out:
	if (rc != 0)
		gh_log("cannot start the worker %s: %s", prog, strerror(rc));
	if (attr_init)
		posix_spawnattr_destroy(&attr);
	if (fa_init)
		posix_spawn_file_actions_destroy(&fa);
}

/*
 * Tell a worker, or start one, as wake.c's header says.  The socket is
 * opened on first use and kept for the process.
 */
int
wake_worker(struct factory *f, int spawn)
{
	struct sockaddr_un	sun;
	int			saved;

	/* Every node's listening worker (PostgreSQL; nothing on SQLite). */
	if (gh_db_notify(&f->db, WAKE_CHANNEL) != GH_OK)
		gh_log("%s: NOTIFY failed: the order waits for a worker's "
		    "next look", __func__);
	if (wake_addr(f, &sun) != GH_OK)
		return 0;
	if (f->wakefd == -1) {
		f->wakefd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, 0);
		if (f->wakefd == -1) {
			gh_log("%s: socket: %s", __func__, strerror(errno));
			return 0;
		}
	}
	if (sendto(f->wakefd, "!", 1, MSG_DONTWAIT | MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, sizeof(sun)) == 1)
		return 1;
	saved = errno;
	/* A full queue means the worker has wake-ups to read already. */
	if (saved == EAGAIN || saved == EWOULDBLOCK || saved == ENOBUFS)
		return 1;
	if (saved != ECONNREFUSED && saved != ENOENT) {
		gh_log("%s: %s: %s", __func__, sun.sun_path, strerror(saved));
		return 0;
	}
	if (spawn)
		wake_spawn(f);
	return 0;
}

/*
 * Become the listener.  Whoever holds worker.lock owns worker.sock, so a
 * socket file found there is stale (its listener died) and is replaced.
 */
enum gh_err
wake_listen(struct factory *f, int *fdp, int *lockfdp)
{
	struct sockaddr_un	sun;
	char			lock[4096];
	enum gh_err		err = GH_EIO;
	int			fd = -1, lockfd = -1;

	if (wake_path(f, "worker.lock", lock, sizeof(lock)) != GH_OK ||
	    wake_addr(f, &sun) != GH_OK)
		return GH_ETOOLONG;
	if ((lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		gh_log("%s: %s", lock, strerror(errno));
		goto fail;
	}
	if (flock(lockfd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK)
			err = GH_EBUSY;
		else
			gh_log("%s: flock: %s", lock, strerror(errno));
		goto fail;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1) {
		gh_log("%s: socket: %s", __func__, strerror(errno));
		goto fail;
	}
	if (unlink(sun.sun_path) == -1 && errno != ENOENT) {
		gh_log("%s: %s", sun.sun_path, strerror(errno));
		goto fail;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		gh_log("%s: bind: %s", sun.sun_path, strerror(errno));
		goto fail;
	}
	*fdp = fd;
	*lockfdp = lockfd;
	return GH_OK;
fail:
	if (fd != -1)
		close(fd);
	if (lockfd != -1)
		close(lockfd);
	return err;
}

enum gh_err
wake_subscribe(struct factory *f)
{
	return gh_db_listen(&f->db, WAKE_CHANNEL);
}

/*
 * Wait up to ms for a datagram on fd (-1: none) or a NOTIFY on the
 * database connection, then read every one queued: many orders in a burst
 * make one pass.  A signal ends the wait early (0).
 */
int
wake_wait(struct factory *f, int fd, long long ms)
{
	struct pollfd	pfd[2];
	char		buf[64];
	nfds_t		n = 0;
	int		woken;

	/* One may have come while a statement ran: libpq has read it. */
	if ((woken = gh_db_notified(&f->db)) != 0)
		ms = 0;
	if (fd != -1) {
		pfd[n].fd = fd;
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}
	if ((pfd[n].fd = gh_db_listen_fd(&f->db)) != -1) {
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}
	if (ms < 0)
		ms = 0;
	if (poll(pfd, n, ms > INT_MAX ? INT_MAX : (int)ms) <= 0)
		return woken;
	while (fd != -1 && recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		woken = 1;
	if (gh_db_notified(&f->db))
		woken = 1;
	return woken;
}
