"""A task bundle holds inputs and weak labels only: no ground truth, no pickles."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from student.bundle import ARRAY_KEYS, read_bundle, write_bundle
from student.errors import TrainerFailure
from trainer.prepare import data_rng, make_splits
from trainer.tasks import get_task

from .conftest import TEST_SECRET

LABEL_WORDS = ("label", "truth", "target", "_y", "gt")


@pytest.fixture(params=["mnist1d", "motifs1d"])
def prepared(request, mnist1d_small, motifs1d_small):
    return {"mnist1d": mnist1d_small, "motifs1d": motifs1d_small}[request.param]


def test_holds_exactly_the_allowed_arrays_and_loads_without_pickle(prepared) -> None:
    with np.load(prepared.bundle, allow_pickle=False) as archive:
        assert sorted(archive.files) == sorted(ARRAY_KEYS)
        for key in archive.files:
            assert archive[key].dtype != object
            assert not any(word in key.lower() for word in LABEL_WORDS if word != "gt")


def test_no_array_equals_or_is_close_to_the_true_labels(prepared) -> None:
    with np.load(prepared.bundle, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in ("train_x", "weak_probs", "test_x")}
    truths = [prepared.train_w2s_labels, prepared.test_labels, prepared.train_gt_labels]
    weak_top = arrays["weak_probs"].argmax(axis=1)
    agreement = (weak_top == prepared.train_w2s_labels).mean()
    assert agreement < 0.9  # the weak labels are noisy, not the truth in disguise
    assert agreement == pytest.approx(prepared.labels["weakAccuracy"]["perSeed"][0], abs=0.06)
    for array in arrays.values():
        for flat in (array.reshape(array.shape[0], -1), array.reshape(-1, 1)):
            for column in flat.T[:64]:  # any column that could spell out a label vector
                for truth in truths:
                    if column.shape == truth.shape:
                        assert not np.allclose(column, truth)
                        assert not np.array_equal(np.rint(column), truth)


def test_meta_names_no_labels(prepared) -> None:
    with np.load(prepared.bundle, allow_pickle=False) as archive:
        meta = json.loads(str(archive["meta"]))
    assert meta["task"] == prepared.task_id and meta["bundleFormatVersion"] == 1
    text = json.dumps(meta).lower()
    assert "testlabels" not in text and "truth" not in text


def test_label_store_records_the_bundle_hash_and_the_test_labels(prepared) -> None:
    store = prepared.labels
    assert store["bundleSha256"] == hashlib.sha256(prepared.bundle.read_bytes()).hexdigest()
    assert store["testLabels"] == prepared.test_labels.tolist()
    assert store["testSize"] == len(store["testLabels"]) and store["seeds"] == 8
    assert len(store["weakAccuracy"]["perSeed"]) == 8 and len(store["ceilingAccuracy"]["perSeed"]) == 8


def test_writing_the_same_arrays_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    probs = rng.random((5, 3)).astype(np.float32)
    probs /= probs.sum(axis=1, keepdims=True)
    meta = {"bundleFormatVersion": 1, "task": "t", "family": "f", "numClasses": 3, "inputShape": [4], "sizes": {},
            "generatorVersion": 1, "strongModel": "shift-invariant-cnn-32"}
    arrays = (rng.random((5, 4)).astype(np.float32), probs, rng.random((6, 4)).astype(np.float32))
    write_bundle(tmp_path / "a.npz", *arrays, meta)
    write_bundle(tmp_path / "b.npz", *arrays, meta)
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    assert read_bundle((tmp_path / "a.npz").read_bytes()).meta == meta


def test_the_generated_splits_are_the_same_for_the_same_secret_only() -> None:
    task = get_task("mnist1d")
    first, second = make_splits(task, "small", TEST_SECRET), make_splits(task, "small", TEST_SECRET)
    for a, b in zip((first.train_gt, first.train_w2s, first.test), (second.train_gt, second.train_w2s, second.test)):
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    other = make_splits(task, "small", bytes(32))
    assert not np.array_equal(other.test[0], first.test[0])
    assert (other.test[1] == first.test[1]).mean() < 0.2


def test_labels_and_inputs_come_from_separate_streams() -> None:
    """Another input stream changes no label; another label stream changes the labels."""
    task = get_task("motifs1d")
    labels = data_rng(TEST_SECRET, task, "small", "test", "labels")
    _, y = task.generate(500, labels, data_rng(TEST_SECRET, task, "small", "test", "inputs"))
    _, y_other_inputs = task.generate(500, data_rng(TEST_SECRET, task, "small", "test", "labels"), np.random.default_rng(7))
    assert np.array_equal(y, y_other_inputs)
    _, y_other_split = task.generate(500, data_rng(TEST_SECRET, task, "small", "train_w2s", "labels"), np.random.default_rng(7))
    assert (y == y_other_split).mean() < 0.2


def test_a_bundle_with_an_extra_array_is_refused(mnist1d_small) -> None:
    source = mnist1d_small.bundle.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as original, zipfile.ZipFile(buffer, "w") as copy:
        for item in original.infolist():
            copy.writestr(item, original.read(item))
        with copy.open("test_labels.npy", "w") as member:
            np.lib.format.write_array(member, mnist1d_small.test_labels)
    with pytest.raises(TrainerFailure) as caught:
        read_bundle(buffer.getvalue())
    assert caught.value.kind == "bundle_error" and "test_labels" in caught.value.message


def test_a_bundle_holding_a_pickle_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "pickled.npz"
    np.savez(path, train_x=np.zeros((2, 3), np.float32), weak_probs=np.array([{"a": 1}], dtype=object),
             test_x=np.zeros((2, 3), np.float32), meta=np.array("{}"))
    with pytest.raises(TrainerFailure) as caught:
        read_bundle(path.read_bytes())
    assert caught.value.kind == "bundle_error"


def test_prepare_with_the_same_secret_file_writes_the_same_bytes(
    tmp_path: Path, mnist1d_small, capsys: pytest.CaptureFixture[str]
) -> None:
    from trainer.cli import main

    secret_file = tmp_path / "secret.hex"
    secret_file.write_text(TEST_SECRET.hex() + "\n")
    out = tmp_path / "again"
    assert main(["prepare", "--task", "mnist1d", "--size", "small", "--out", str(out), "--secret-file", str(secret_file)]) == 0
    assert (out / "bundle.npz").read_bytes() == mnist1d_small.bundle.read_bytes()
    again = json.loads((out / "labels.json").read_text())
    assert {k: v for k, v in again.items() if k != "createdAt"} == {
        k: v for k, v in mnist1d_small.labels.items() if k != "createdAt"
    }
    printed = capsys.readouterr()
    assert TEST_SECRET.hex() not in printed.out + printed.err


def test_the_secret_is_in_the_label_store_and_nowhere_in_the_bundle(mnist1d_small) -> None:
    assert mnist1d_small.labels["labelStoreVersion"] == 2
    assert mnist1d_small.labels["dataSecret"] == TEST_SECRET.hex()
    bundle = mnist1d_small.bundle.read_bytes()
    assert TEST_SECRET not in bundle and TEST_SECRET.hex().encode() not in bundle
    assert "secret" not in json.dumps(read_bundle(bundle).meta).lower()


def test_a_fresh_secret_is_drawn_each_time() -> None:
    from trainer.prepare import new_secret

    assert new_secret() != new_secret() and len(new_secret()) == 32


def test_a_bad_secret_file_is_refused_without_echoing_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from trainer.cli import main

    secret_file = tmp_path / "secret.hex"
    secret_file.write_text("zz" + TEST_SECRET.hex()[2:])
    assert main(["prepare", "--task", "mnist1d", "--out", str(tmp_path / "x"), "--secret-file", str(secret_file)]) == 1
    err = capsys.readouterr().err
    assert "64 hex characters" in err and TEST_SECRET.hex()[2:] not in err


def test_a_version_1_label_store_is_refused_with_a_re_prepare_hint(tmp_path: Path) -> None:
    from trainer.label_store import read_label_store

    (tmp_path / "labels.json").write_text(json.dumps({"labelStoreVersion": 1, "task": "mnist1d"}))
    with pytest.raises(ValueError, match="prepare the task again"):
        read_label_store(tmp_path / "labels.json")


def test_prepare_refuses_fewer_than_eight_seeds(tmp_path: Path) -> None:
    from trainer.prepare import prepare

    with pytest.raises(ValueError, match="at least 8"):
        prepare("mnist1d", tmp_path, seeds=4, size="small")
