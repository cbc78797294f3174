from producer.jsonl import read_jsonl, split_nulls
from producer.lines import LineError, ParsedLine


def test_nulls_become_deletions_at_any_depth() -> None:
    values, deletions = split_nulls(
        {
            "email": "a@example.com",
            "nickname": None,
            "consents": {"news": {"granted": None, "reporter": "web"}},
        }
    )
    assert values == {
        "email": "a@example.com",
        "consents": {"news": {"reporter": "web"}},
    }
    assert deletions == ["nickname", "consents.news.granted"]


def test_blank_lines_are_skipped_but_numbering_follows_the_file() -> None:
    items = list(
        read_jsonl(
            [
                '{"email": "a@example.com"}\n',
                "\n",
                "  \r\n",
                '{"email": "b@example.com"}\r\n',
            ]
        )
    )
    assert [item.number for item in items] == [1, 4]
    assert all(isinstance(item, ParsedLine) for item in items)


def test_a_line_that_is_not_an_object_is_an_error_for_that_line_only() -> None:
    items = list(
        read_jsonl(["[1, 2]\n", '{"email": \n', '{"email": "c@example.com"}\n'])
    )
    assert isinstance(items[0], LineError)
    assert items[0].reason == "not a JSON object"
    assert isinstance(items[1], LineError)
    assert "not valid JSON" in items[1].reason
    assert isinstance(items[2], ParsedLine)


def test_flattened_consents_are_nested_and_combined_with_nested_ones() -> None:
    items = list(
        read_jsonl(
            [
                '{"email": "a@example.com", "consents.news.granted": true, '
                '"consents.news.date": null, '
                '"consents": {"sms": {"granted": false}}}\n'
            ]
        )
    )
    line = items[0]
    assert isinstance(line, ParsedLine)
    assert line.fields["consents"] == {
        "news": {"granted": True},
        "sms": {"granted": False},
    }
    assert line.deletions == ("consents.news.date",)
