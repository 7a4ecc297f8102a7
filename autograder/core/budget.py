"""What one submission may make the grader do outside the sandbox, in one place: the bytes it writes into
autograded/ and feedback/, and the work of reading and rendering what was handed in. The sandbox's own
limits (memory, processes, time per cell) are in autograder/sandbox/box.py and nbgrader_config.py.
"""
NOTEBOOK_BYTES = 10 << 20  # one notebook handed in; this course's notebooks are well under 1 MB with outputs
JSON_DEPTH = 40  # nesting of a notebook's JSON: nbformat's own structure is 6 deep, an output's data a few more

NOTEBOOK_OUTPUT_CHARS = 4_000_000  # all outputs of one autograded notebook; later outputs give way to a note
CELL_OUTPUT_CHARS = 1_000_000  # the outputs of one cell, past which they count as huge and are shortened to:
CELL_OUTPUT_KEPT = 10_000      # characters of each of a huge cell's outputs kept
OUTPUT_CUT = "[... output cut: the notebook's outputs passed the grader's limit of {:,} characters]\n"

# What the grader reads from one notebook's sandboxes (replays after a restart included) and decodes, on its
# own CPU: this course's notebooks send under 1 MB with all their figures, and the output a notebook may keep
# takes 16 MB (4 bytes a character). A graded call's messages (its output, its requests for the functions it
# calls) take a few kilobytes; each may take CALL_MESSAGE_BYTES.
SANDBOX_BYTES = 64 << 20
CALL_MESSAGE_BYTES = 2 << 20

COPIED_BYTES = 20 << 20  # files handed in next to the notebooks, together, as they will take on disk
COPIED_FILES = 200       # of those files
SPARSE_SLACK = 1 << 20   # bytes a file may be longer than it takes on disk before it counts as sparse
HASHED_BYTES = 64 << 20  # content read for a submission's fingerprint; beyond it, files count by size and time

MARKDOWN_CHARS = 10_000         # of one markdown cell rendered as markdown on a feedback page; the rest is text
MARKDOWN_NOTEBOOK_CHARS = 100_000  # of all markdown cells of one page rendered as markdown
FEEDBACK_SECONDS = 60           # of CPU time to render one feedback page; past it, a page with the score and why
FEEDBACK_PAGE_BYTES = 32_000_000  # one feedback page; a larger one gives way to a page with the score and why
