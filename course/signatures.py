"""The student functions' argument names and output parts, as in the course contract."""

_CACHE = ("cache", ["a_next", "a_prev", "xt", "parameters"])

# name: (argument names, names of the output's parts)
SIGNATURES = {
    "softmax": (["z"], "softmax(z)"),
    "rnn_cell_forward": (["xt", "a_prev", "parameters"], ("output", ["a_next", "yt_pred", _CACHE])),
    "rnn_forward": (["x", "a0", "parameters"], ("output", ["a", "y_pred", ("caches", ["cell caches", "x"])])),
    "rnn_cell_backward": (["da_next", "cache"], "gradients"),
    "rnn_backward": (["da", "caches"], "gradients"),
    "rnn_loss": (["y_pred", "y"], "loss"),
    "bptt": (["x", "y", "a0", "parameters"], ("output", ["loss", "gradients"])),
}

# Student functions each one may call. Grading swaps these for correct versions, so that one mistake costs
# only the test aimed at it; a self-check points at a failing dependency instead.
DEPENDENCIES = {
    "rnn_cell_forward": ["softmax"],
    "rnn_forward": ["rnn_cell_forward", "softmax"],
    "rnn_backward": ["rnn_cell_backward"],
    "bptt": ["rnn_forward", "rnn_cell_forward", "softmax", "rnn_backward", "rnn_cell_backward", "rnn_loss"],
}
