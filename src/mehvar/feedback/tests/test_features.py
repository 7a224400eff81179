"""The text the model reads: the shared normaliser plus spoken Persian, Finglish, digits and emojis."""

from mehvar.feedback.features import feature_text


def test_arabic_letters_digits_and_zwnj_are_one_spelling():
    assert feature_text("كيفيت عالي") == feature_text("کیفیت عالی")
    assert feature_text("می‌خوام") == feature_text("میخوام") == feature_text("می خوام")
    assert feature_text("بسته‌بندی") == feature_text("بسته بندی") == feature_text("بستهبندی")


def test_stretched_letters_collapse():
    assert feature_text("خیلیییییی خوبببب") == feature_text("خیلی خوب")
    assert feature_text("khoooooob") == feature_text("khoob")


def test_numbers_become_one_token_whatever_the_digits():
    assert feature_text("۲۰ دقیقه دیر") == feature_text("45 دقیقه دیر") == "0 دقیقه دیر"
    assert feature_text("۱۲٬۵۰۰ تومان") == "0 تومان"


def test_spoken_and_written_forms_meet():
    assert feature_text("گرون بود") == feature_text("گران بود")
    assert feature_text("نمیاد") == feature_text("نمی‌آید")
    assert feature_text("کیفیتش عالی است") == feature_text("کیفیتش عالیه")


def test_finglish_words_are_read_as_persian():
    assert feature_text("kheili khoob bood merci") == feature_text("خیلی خوب بود مرسی")
    assert feature_text("Ghaza SARD bood") == feature_text("غذا سرد بود")


def test_emojis_and_marks_are_kept_as_signals():
    assert feature_text("عالی 😍!") == "عالی 😍 _emopos !"
    assert "_emoneg" in feature_text("😡😡")
    assert feature_text("کی میرسه؟").endswith("?")


def test_empty_and_odd_input():
    assert feature_text("") == feature_text(None) == feature_text("   \u200c ") == ""


def test_idioms_of_praise_are_one_word_not_a_negation():
    assert feature_text("دستتون درد نکنه") == feature_text("دست شما درد نکند") == "دستمریزاد"
    assert feature_text("خسته نباشید") == "خستهنباشید"
    assert feature_text("غذاش حرف نداشت") == "غذاش حرفنداشت"
    assert feature_text("اصلا بد نبود") == "اصلا بدنبود"
    assert feature_text("بدنه نبود") == "بدنه نبود"
