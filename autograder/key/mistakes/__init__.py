"""Known mistakes: wrong versions of the student functions, each with the hint a student gets when their
output matches it. Used to store hint outputs for the self-checks and to diagnose hidden checks; never
shipped to students (course/data holds only their outputs).

One module per assignment; MISTAKES maps function name -> {hint: wrong function}.
"""
from autograder.key.mistakes.architectures import ARCHITECTURES
from autograder.key.mistakes.backward import BACKWARD
from autograder.key.mistakes.forward import FORWARD

MISTAKES = {**FORWARD, **BACKWARD, **ARCHITECTURES}
