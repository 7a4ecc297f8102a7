"""Which students a batch grades when other batches share its course directory: each student once.

A batch decides whom to grade when it starts (autograder.batch.plan.to_grade). Another batch on the same
directory (another slice, on this machine or another; a run without --slice) may grade some of them
meanwhile. So, just before it hands a student to a worker, the batch claims the student: it takes the
student's lock (autograder.batch.locks) and reads the outcome again. A student whose lock another batch holds
is left to that batch; one that another batch graded since this one started, and whose outcome is now up
to date, is not graded again. The lock is held until the outcome is written.
"""
from autograder.batch.locks import try_student
from autograder.batch.outcomes import load_outcome
from autograder.batch.progress import counted, printable


class Claims:
    def __init__(self, course, assignment, outcomes, up_to_date, progress):
        """outcomes: {student: outcome} as this batch knows them (updated here); up_to_date(student, outcome):
        whether that outcome needs no grading; progress: told of each student left to another batch."""
        self.course, self.assignment, self.outcomes = course, assignment, outcomes
        self.up_to_date, self.progress = up_to_date, progress
        self.held, self.elsewhere = {}, {}  # {student: its Lock}; {student: who held it when claimed}
        self.graded_elsewhere = set()  # graded by another batch since this one read the outcomes

    def claim(self, student):
        """Whether this batch grades `student` now; if so, it holds the student's lock until release()."""
        lock = try_student(self.course, self.assignment, student)
        if isinstance(lock, str):
            self.elsewhere[student] = lock
            self.progress.skip()
            return False
        now = load_outcome(self.course, self.assignment, student)
        if now is not None and now != self.outcomes.get(student) and self.up_to_date(student, now):
            lock.release()  # another batch graded it since this one read the outcomes
            self.outcomes[student] = now
            self.graded_elsewhere.add(student)
            self.progress.skip()
            return False
        self.held[student] = lock
        return True

    def release(self, student):
        """After the student's outcome is written."""
        self.held.pop(student).release()

    def release_all(self):
        """When the batch stops, its workers stopped: the next run grades these students."""
        for lock in self.held.values():
            lock.release()
        self.held.clear()

    def left_to_others(self):
        """After the batch: take the outcomes other batches wrote for the students they held; a note on the
        students other batches graded, naming those still being graded there (their old outcomes are out of
        the table), or None."""
        left = {}
        for student, who in self.elsewhere.items():
            now = load_outcome(self.course, self.assignment, student)
            if now is None:  # still being graded there: its earlier outcome was forgotten
                self.outcomes.pop(student, None)
                left[student] = who
            else:
                self.outcomes[student] = now
                self.graded_elsewhere.add(student)
        notes = []
        if self.graded_elsewhere:
            notes.append(f"{counted(len(self.graded_elsewhere), 'student')} of this run's were graded by other runs "
                         "sharing the course directory")
        if left:
            notes.append(f"{counted(len(left), 'student')} still being graded by another run, left to it: "
                         + "; ".join(f"{printable(s)} ({printable(who)})" for s, who in sorted(left.items())[:5])
                         + ("; ..." if len(left) > 5 else ""))
        return "; ".join(notes) or None
