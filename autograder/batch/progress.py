"""The progress line of a batch: students done, failed, left, and the slow ones, on one terminal line."""
import sys
import time
import unicodedata
from statistics import median


class Progress:
    """One line: a bar, students done and not graded, time left; above it, a line for each student that
    needs one (graded with trouble, or slow)."""

    SLOW_AFTER = 10  # seconds; and 3x the median: a student this slow gets a line of its own

    def __init__(self, total, stream=sys.stderr, workers=1, limit=None, clock=time.monotonic):
        self.total, self.done, self.failed, self.stream, self.workers = total, 0, 0, stream, workers
        self.limit, self.clock = limit, clock  # limit: seconds after which a student is stopped
        self.start, self.tty = clock(), stream.isatty()
        self.running, self.took, self.told_slow = {}, [], set()  # {student: since}, seconds of each done

    def begin(self, student):
        self.running[student] = self.clock()

    def skip(self):
        """One student fewer to grade (another batch sharing the course directory grades it)."""
        self.total -= 1

    def end(self, student, failed):
        self.took.append(self.clock() - self.running.pop(student))
        self.done += 1
        self.failed += bool(failed)

    def slow(self):
        """{student: seconds so far} of the running students that take far longer than most."""
        now = self.clock()
        after = max(self.SLOW_AFTER, 3 * median(self.took)) if self.took else self.SLOW_AFTER
        return {s: now - since for s, since in self.running.items() if now - since > after}

    def left(self):
        """The time left, from the mean time per student so far (the slow ones included, once they end) and
        the workers' number; with a student running slow, a range that ends when it would be stopped."""
        if not self.took:
            return "estimating"
        now, mean, slow = self.clock(), sum(self.took) / len(self.took), self.slow()
        queued = self.total - self.done - len(self.running)
        soon = (queued * mean + sum(max(mean - (now - since), 0) for since in self.running.values())) / self.workers
        if not (slow and self.limit):
            return f"{_duration(soon)} left"
        latest = _duration(max(soon, self.limit - min(slow.values())))
        return f"up to {latest} left" if soon < 0.5 else f"{_duration(soon)} to {latest} left"

    def line(self):
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        return (f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} done, {self.failed} not graded, "
                f"{len(self.running)} grading, {self.left()}")

    def slow_notes(self):
        """A line for each student that has just become slow, once."""
        notes = []
        for student, seconds in self.slow().items():
            if student not in self.told_slow:
                self.told_slow.add(student)
                typical = f" (most take {_duration(median(self.took))})" if self.took else ""
                stop = f"; it is stopped at {_duration(self.limit)}" if self.limit else ""
                notes.append(f"{student}: still grading after {_duration(seconds)}{typical}{stop}")
        return notes

    def update(self, note=None):
        """Redraw the line (a terminal), or write it when a student is done (a log file: one line for each).
        `note`: about the student just done ("" for none). A student turning slow gets a line of its own."""
        note, slow = printable(note) if note else note, [printable(n) for n in self.slow_notes()]
        if self.tty:
            for n in ([note] if note else []) + slow:
                self.stream.write("\r\x1b[K" + n + "\n")
            self.stream.write("\r\x1b[K" + self.line())
        else:
            if note is not None:
                self.stream.write(self.line() + (f"  {note}" if note else "") + "\n")
            self.stream.writelines(n + "\n" for n in slow)
        self.stream.flush()

    def finish(self):
        if self.tty:
            self.stream.write("\n")
        self.stream.write(f"{counted(self.done, 'student')} in {_duration(self.clock() - self.start)}: "
                          f"{self.done - self.failed} graded, {self.failed} not graded\n")
        self.stream.flush()


def printable(text):
    """`text` with control and format characters (terminal escapes, bidirectional overrides) written as
    escapes: names of students and of the files they hand in reach the instructor's terminal, where
    "\x1b[1A" would move the cursor up and let a file name draw a false grade table."""
    return "".join(c.encode("unicode_escape").decode() if unicodedata.category(c) in INVISIBLE else c for c in text)


INVISIBLE = {"Cc", "Cf", "Zl", "Zp"}


def counted(n, noun):
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _duration(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"
