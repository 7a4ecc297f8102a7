"""The sampling explorer of the language model: your temperature_softmax and sample_index write text.

    from course.sampling_explorer import SamplingExplorer
    SamplingExplorer({"RNN": language.rnn_model(rnn_cell_forward, trained), "LSTM": ...},
                     temperature_softmax, sample_index, vocabulary)

The chosen model reads the prefix, then writes `length` characters, each drawn by your sample_index from your
temperature_softmax of the logits and fed back as the next input. Top: the distribution of the first written
character at the chosen temperature (and, thin, at temperature 1). Bottom: the probability each written character
had when it was drawn; where it is low, the draw went against the model's best guess. The readout is the text.
The seed slider picks the uniform draws: the same seed, prefix and temperature always write the same text.
"""
import html

import ipywidgets as widgets
import numpy as np

from course.explorer import Explorer, NotReady, call_student, new_figure, slider
from course.language import generate

NEWLINE = "\u23ce"  # how a line break (the end of a word) is shown
LENGTH_MAX = 200


class SamplingExplorer(Explorer):
    """Sliders for the temperature, the length and the seed, a box for the prefix; the next character's
    distribution and the text the model writes."""

    def __init__(self, models, temperature_softmax, sample_index, vocabulary):
        """models -- dict name -> language.Model; with more than one, buttons choose between them."""
        self.models, self.vocabulary = models, vocabulary
        self.temperature_softmax, self.sample_index = temperature_softmax, sample_index
        controls = {
            "temperature": slider("temperature", 0.1, 3.0, 1.0, 0.05, ".2f"),
            "length": slider("length", 10, LENGTH_MAX, 80, 1),
            "seed": slider("seed", 0, 50, 0, 1),
            "prefix": widgets.Text(value="pro", description="prefix", continuous_update=True,
                                   style={"description_width": "9em"}),
            "model": widgets.ToggleButtons(options=list(models), description="model",
                                           layout={"display": "flex" if len(models) > 1 else "none"},
                                           style={"description_width": "9em"}),
        }
        figure, artists = self._build_figure(vocabulary)
        super().__init__(controls, figure, artists, (("temperature_softmax", "temperature_softmax"),
                                                     ("sample_index", "sample_index")))

    @staticmethod
    def _build_figure(vocabulary):
        figure = new_figure(8.5, 4.8)
        ax, ax_chosen = figure.subplots(2, 1, height_ratios=[3, 2])
        n_y = len(vocabulary)
        ax.set(xlim=(-0.6, n_y - 0.4), ylim=(0, 1.02), ylabel="probability")
        ax.set_xticks(range(n_y), [NEWLINE if c == "\n" else c for c in vocabulary.chars])
        ax.set_title("the next character after the prefix: at your temperature (thick), at temperature 1 (thin)",
                     fontsize=10)
        ax_chosen.set(xlim=(-1, LENGTH_MAX), ylim=(0, 1.02), xlabel="written character", ylabel="its probability")
        ax_chosen.set_title("the probability of each character the model wrote, when it was drawn", fontsize=10)
        artists = {"p": ax.plot([], [], drawstyle="steps-mid", color="C0", lw=2.5)[0],
                   "p at 1": ax.plot([], [], drawstyle="steps-mid", color="0.5", lw=1)[0],
                   "chosen": ax_chosen.plot([], [], "o", color="C1", ms=2.5)[0]}
        return figure, artists

    def compute(self, model, temperature, length, seed, prefix):
        unknown = sorted(set(prefix) - set(self.vocabulary.chars))
        if unknown:
            raise NotReady(f"The prefix may hold only the letters a to z; it holds {''.join(unknown)!r}.")
        # the student's functions through call_student: an unfinished one gives a message, not a traceback
        softmax_t = lambda *a: call_student("temperature_softmax", self.temperature_softmax, *a)  # noqa: E731
        sample = lambda *a: call_student("sample_index", self.sample_index, *a)  # noqa: E731
        args = (self.models[model], softmax_t, sample, self.vocabulary, prefix, length)
        text, first, chosen = generate(*args, temperature, np.random.default_rng(seed))
        at_one = generate(*args[:-1], 1, 1.0, np.random.default_rng(seed))[1]
        for name, p in (("temperature_softmax", first), ("temperature_softmax at 1", at_one)):
            if not (isinstance(p, np.ndarray) and np.all(np.isfinite(p))):
                raise NotReady(f"your {name.split()[0]} returned something that is not finite probabilities.")
        return {"text": text, "p": first, "p at 1": at_one, "chosen": chosen, "prefix": prefix,
                "temperature": temperature, "model": model}

    def draw(self, data):
        x = np.arange(len(data["p"]))
        self.artists["p"].set_data(x, data["p"])
        self.artists["p at 1"].set_data(x, data["p at 1"])
        self.artists["chosen"].set_data(np.arange(len(data["chosen"])), data["chosen"])
        words = html.escape(data["text"]).replace("\n", " / ")
        top = self.vocabulary.chars[int(np.argmax(data["p"]))]
        whose = f"the {html.escape(data['model'])}'s " if len(self.models) > 1 else ""
        return (f"<b>{whose}most likely next character</b> {NEWLINE if top == chr(10) else top} "
                f"({data['p'].max():.0%} at temperature {data['temperature']:.2f}, "
                f"{data['p at 1'].max():.0%} at 1)<br><b>{html.escape(data['prefix'])}</b>{words}")
