"""One training at a time per work dir."""
import json
import os
import os.path as osp
import socket
import sys
import time

LOCK_NAME = '.train.lock'


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class WorkDirLock:
    """A lock file in ``work_dir`` naming the training that holds it.

    A second training into the same work dir is refused with the holder's
    pid, host, start time and command line. A lock left by a process that
    no longer runs on this host is taken over, with a message.
    """

    def __init__(self, work_dir: str):
        self.path = osp.join(work_dir, LOCK_NAME)
        self.taken_over = None

    def _owner(self) -> dict:
        try:
            with open(self.path) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    def acquire(self) -> 'WorkDirLock':
        os.makedirs(osp.dirname(self.path), exist_ok=True)
        me = dict(pid=os.getpid(), host=socket.gethostname(),
                  started=time.strftime('%Y-%m-%d %H:%M:%S'),
                  command=' '.join(sys.argv))
        while True:
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                owner = self._owner()
                if owner.get('host') == me['host'] and \
                        not _alive(owner.get('pid', -1)):
                    self.taken_over = owner
                    os.remove(self.path)
                    continue
                raise RuntimeError(
                    f'work dir {osp.dirname(self.path)} is in use by another '
                    f"training: pid {owner.get('pid')} on "
                    f"{owner.get('host')}, started {owner.get('started')}: "
                    f"{owner.get('command')}. Wait for it, or choose another "
                    f'--work-dir (lock file: {self.path}).') from None
            with os.fdopen(fd, 'w') as f:
                json.dump(me, f)
            return self

    def release(self) -> None:
        if self._owner().get('pid') == os.getpid():
            os.remove(self.path)

    def __enter__(self) -> 'WorkDirLock':
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
