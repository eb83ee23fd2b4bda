"""Calls from audio: decode a recording, recognise each party's channel offline with
faster-whisper (or, for timing only, find each party's voice activity), and build a timed
Conversation. Needs the `audio` extra (pip install
'heard[audio]'); nothing is downloaded at run time."""

from heard.audio.call import Side, mono_call, stereo_call, two_file_call
from heard.audio.decode import EXTENSIONS, SAMPLE_RATE, Recording, decode, looks_like_audio
from heard.audio.recognise import ASR_MODEL_ENV, HeardWord, Recogniser, model_path
from heard.audio.wer import word_error_rate

__all__ = [
    "ASR_MODEL_ENV",
    "EXTENSIONS",
    "SAMPLE_RATE",
    "HeardWord",
    "Recogniser",
    "Recording",
    "Side",
    "decode",
    "looks_like_audio",
    "model_path",
    "mono_call",
    "stereo_call",
    "two_file_call",
    "word_error_rate",
]
