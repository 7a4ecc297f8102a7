"""The student functions' argument names and output parts, as in the course contract."""
from course.diagnose import Each

_CACHE = ("cache", ["a_next", "a_prev", "xt", "parameters"])
_CACHES = ("caches", [("cell caches", Each("the cache of step {step}", _CACHE[1])), "x"])
_STATES_CACHE = ("cache", ["a", "x", "a0", "parameters"])
_LSTM_CACHE = ("cache", ["a_next", "c_next", "a_prev", "c_prev", "ft", "it", "cct", "ot", "xt", "parameters"])
_GRU_CACHE = ("cache", ["a_next", "a_prev", "rt", "zt", "cct", "xt", "parameters"])

# name: (argument names, names of the output's parts)
SIGNATURES = {
    "softmax": (["z"], "softmax(z)"),
    "rnn_cell_forward": (["xt", "a_prev", "parameters"], ("output", ["a_next", "yt_pred", _CACHE])),
    "rnn_forward": (["x", "a0", "parameters"], ("output", ["a", "y_pred", _CACHES])),
    "rnn_cell_backward": (["da_next", "cache"], "gradients"),
    "rnn_backward": (["da", "caches"], "gradients"),
    "rnn_loss": (["y_pred", "y"], "loss"),
    "bptt": (["x", "y", "a0", "parameters"], ("output", ["loss", "gradients"])),
    # lstm_gru
    "lstm_cell_forward": (["xt", "a_prev", "c_prev", "parameters"], ("output", ["a_next", "c_next", "yt_pred",
                                                                               _LSTM_CACHE])),
    "lstm_forward": (["x", "a0", "parameters"], ("output", ["a", "y", "c", (
        "caches", [("cell caches", Each("the cache of step {step}", _LSTM_CACHE[1])), "x"])])),
    "lstm_cell_backward": (["da_next", "dc_next", "cache"], "gradients"),
    "lstm_backward": (["da", "caches"], "gradients"),
    "gru_cell_forward": (["xt", "a_prev", "parameters"], ("output", ["a_next", "yt_pred", _GRU_CACHE])),
    "gru_forward": (["x", "a0", "parameters"], ("output", ["a", "y", (
        "caches", [("cell caches", Each("the cache of step {step}", _GRU_CACHE[1])), "x"])])),
    "gru_cell_backward": (["da_next", "cache"], "gradients"),
    "gru_backward": (["da", "caches"], "gradients"),
    # language_model
    "make_batches": (["indices", "m", "T_x"], ("output", ["X", "Y"])),
    "clip_by_global_norm": (["gradients", "max_norm"], ("output", ["clipped", "norm"])),
    "adagrad_update": (["parameters", "gradients", "memory", "learning_rate"], ("output", ["parameters", "memory"])),
    "temperature_softmax": (["logits", "temperature"], "p"),
    "sample_index": (["p", "u"], "index"),
    "perplexity": (["y_pred", "y"], "perplexity"),
    "train_chunks": (["X", "Y", "a0", "parameters", "memory", "learning_rate", "max_norm"],
                     ("output", ["parameters", "memory", "a_last", "losses"])),
    # architectures
    "seed002_rnn_cell_forward": (["xt", "a_prev", "parameters"], ("output", ["a", "y"])),
    "rnn_states": (["x", "a0", "parameters"], ("output", ["a", _STATES_CACHE])),
    "rnn_states_backward": (["da", "cache"], "gradients"),
    "rnn_many_to_one_forward": (["x", "a0", "parameters"], ("output", ["y_hat", _STATES_CACHE])),
    "rnn_many_to_one_backward": (["y", "y_hat", "cache"], "gradients"),
    "output_recurrence_forward": (["x", "y0", "parameters"], ("output", ["a", "y_pred"])),
    "teacher_forcing_forward": (["x", "y_prev", "parameters"],
                                ("output", ["a", "y_pred", ("cache", ["a", "y_prev", "x", "parameters"])])),
    "teacher_forcing_backward": (["y", "y_pred", "cache"], "gradients"),
    "birnn_forward": (["x", "a0_f", "a0_b", "parameters"], ("output", ["a", "y_pred", ("caches", [
        ("cache_f", ["a_f", "x", "a0_f", "parameters_f"]),
        ("cache_b", ["a_b in reversed time", "x[:, :, ::-1]", "a0_b", "parameters_b"]), "parameters"])])),
    "birnn_backward": (["y", "y_pred", "caches"], "gradients"),
}

# Student functions each one may call. Grading swaps these for correct versions, so that one mistake costs
# only the test aimed at it; a self-check points at a failing dependency instead.
DEPENDENCIES = {
    "rnn_cell_forward": ["softmax"],
    "rnn_forward": ["rnn_cell_forward", "softmax"],
    "rnn_backward": ["rnn_cell_backward"],
    "bptt": ["rnn_forward", "rnn_cell_forward", "softmax", "rnn_backward", "rnn_cell_backward", "rnn_loss"],
    "lstm_cell_forward": ["softmax"],
    "lstm_forward": ["lstm_cell_forward", "softmax"],
    "lstm_backward": ["lstm_cell_backward"],
    "gru_cell_forward": ["softmax"],
    "gru_forward": ["gru_cell_forward", "softmax"],
    "gru_backward": ["gru_cell_backward"],
    "train_chunks": ["clip_by_global_norm", "adagrad_update"],
    "seed002_rnn_cell_forward": ["softmax"],
    "rnn_many_to_one_forward": ["rnn_states", "softmax"],
    "rnn_many_to_one_backward": ["rnn_states_backward"],
    "output_recurrence_forward": ["softmax"],
    "teacher_forcing_forward": ["softmax"],
    "birnn_forward": ["rnn_states", "softmax"],
    "birnn_backward": ["rnn_states_backward"],
}


# Where a function hands one it calls more than that one's own test asks: (caller, callee) -> the case set
# that checks the callee as the caller uses it. A self-check then says "calls softmax, which fails its own
# self-check" when softmax is right on (n_y, m) only and the caller passes it (n_y, m, T_x).
CALLED_AS = {("teacher_forcing_forward", "softmax"): "softmax_all_steps",
             ("birnn_forward", "softmax"): "softmax_all_steps"}


# Where the cell that defines a function's dependency is, in the notebook whose test checks the function: a failing
# self-check sends the student there first (tests/test_hints.py reads the notebooks' headings to keep this current).
DEFINED_IN = {
    ("rnn_cell_forward", "softmax"): "section 2", ("rnn_forward", "rnn_cell_forward"): "section 3",
    ("rnn_forward", "softmax"): "section 2",
    ("rnn_backward", "rnn_cell_backward"): "section 2",
    ("bptt", "rnn_forward"): "section 0", ("bptt", "rnn_cell_forward"): "section 0", ("bptt", "softmax"): "section 0",
    ("bptt", "rnn_backward"): "section 3", ("bptt", "rnn_cell_backward"): "section 2",
    ("bptt", "rnn_loss"): "section 4",
    ("seed002_rnn_cell_forward", "softmax"): "section 1.1",
    ("rnn_many_to_one_forward", "rnn_states"): "Part 2", ("rnn_many_to_one_forward", "softmax"): "section 1.1",
    ("rnn_many_to_one_backward", "rnn_states_backward"): "Part 2",
    ("output_recurrence_forward", "softmax"): "section 1.1", ("teacher_forcing_forward", "softmax"): "section 1.1",
    ("birnn_forward", "rnn_states"): "Part 2", ("birnn_forward", "softmax"): "section 1.1",
    ("birnn_backward", "rnn_states_backward"): "Part 2",
    ("lstm_cell_forward", "softmax"): "section 0", ("lstm_forward", "lstm_cell_forward"): "section 2",
    ("lstm_forward", "softmax"): "section 0", ("lstm_backward", "lstm_cell_backward"): "section 4",
    ("gru_cell_forward", "softmax"): "section 0", ("gru_forward", "gru_cell_forward"): "section 6",
    ("gru_forward", "softmax"): "section 0", ("gru_backward", "gru_cell_backward"): "section 7",
    ("train_chunks", "clip_by_global_norm"): "section 2", ("train_chunks", "adagrad_update"): "section 3",
}


def function_of(name):
    """The function that the checks of `name` call: a function's name, or a case set that checks a function on
    more than the contract asks of it where one assignment asks more, named <function>_<what more>
    (softmax_all_steps: architectures's softmax must also take (n_y, m, T_x), all steps at once, which
    rnn_forward never asks). A test cell names its case set (grade id test_<case set>, check(<case set>, fn))."""
    if not isinstance(name, str) or name in SIGNATURES:  # a test cell without a grade id asks with None
        return name
    functions = [f for f in SIGNATURES if name.startswith(f + "_")]
    return max(functions, key=len) if functions else name
