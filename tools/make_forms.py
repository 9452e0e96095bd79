"""Writes the three built-in form files. Kept so that wording can be reviewed in one place;
the JSON files are the source of truth the service reads (edit them, or rerun this)."""
import json, pathlib

SCALE = [
    (1, "Rất không hài lòng", "Very dissatisfied"),
    (2, "Không hài lòng", "Dissatisfied"),
    (3, "Bình thường", "Neutral"),
    (4, "Hài lòng", "Satisfied"),
    (5, "Rất hài lòng", "Very satisfied"),
    (0, "Không ý kiến", "No opinion"),
]
def t(vi, en): return {"vi": vi, "en": en}
scale = [{"value": v, "text": t(vi, en)} for v, vi, en in SCALE]

FACTORS = {
    "access": t("Tiếp cận dịch vụ hành chính công", "Access to the public administrative service"),
    "procedure": t("Thủ tục hành chính", "Administrative procedures"),
    "staff": t("Công chức trực tiếp giải quyết công việc", "The civil servants who handled the case"),
    "result": t("Kết quả cung ứng dịch vụ hành chính công", "The result of the service"),
    "feedback": t("Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị", "Receiving and handling comments, complaints and petitions"),
}
PROFILE = [
    {"code": "respondent", "role": "respondent", "text": t("Ông/Bà là", "You are"),
     "options": [{"code": "citizen", "text": t("Người dân", "A citizen")},
                 {"code": "organisation", "text": t("Đại diện tổ chức, doanh nghiệp", "A representative of an organisation or business")}]},
    {"code": "channel", "role": "channel", "text": t("Ông/Bà đã nộp hồ sơ bằng cách nào?", "How did you submit your dossier?"),
     "options": [{"code": "in_person", "text": t("Trực tiếp tại Bộ phận Một cửa", "In person at the one-stop desk")},
                 {"code": "online_partial", "online": True, "text": t("Trực tuyến một phần", "Partly online")},
                 {"code": "online_full", "online": True, "text": t("Trực tuyến toàn trình", "Fully online")},
                 {"code": "postal", "text": t("Qua dịch vụ bưu chính công ích", "By public postal service")}]},
]
OVERALL = {"code": "overall", "text": t("Nhìn chung, Ông/Bà hài lòng như thế nào với việc giải quyết thủ tục hành chính tại đây?",
                                        "Overall, how satisfied are you with how your case was handled here?")}
COMMENT = {"code": "comment", "text": t("Ông/Bà có góp ý gì thêm? (không bắt buộc; xin đừng ghi họ tên, số điện thoại)",
                                        "Anything else you would like to tell us? (optional; please do not write your name or phone number)"),
           "max_chars": 1000}
INTRO = t("Phiếu khảo sát không ghi tên. Xin Ông/Bà cho biết mức độ hài lòng với từng nội dung dưới đây.",
          "This survey is anonymous. Please tell us how satisfied you are with each of the points below.")
TITLE = t("Khảo sát sự hài lòng về dịch vụ hành chính công", "Satisfaction survey on public administrative services")

def comp(code, items):
    return {"code": code, "title": FACTORS[code],
            "criteria": [{"code": f"{code}.{i+1}", "text": t(vi, en)} for i, (vi, en) in enumerate(items)]}

S2017 = {
    "$schema": "./schema.json", "id": "sipas-2017", "version": 1, "method": "sipas", "languages": ["vi", "en"],
    "title": TITLE, "intro": INTRO,
    "source": "Quyết định 2640/QĐ-BNV ngày 10/10/2017 (wording to confirm against the official annex)",
    "scale": scale,
    "components": [
        comp("access", [
            ("Nơi ngồi chờ tại Bộ phận Tiếp nhận và Trả kết quả có đủ chỗ ngồi", "The waiting area at the reception desk has enough seats"),
            ("Trang thiết bị phục vụ người dân, tổ chức tại Bộ phận Tiếp nhận và Trả kết quả đầy đủ", "The equipment provided for visitors at the desk is sufficient"),
            ("Trang thiết bị phục vụ người dân, tổ chức tại Bộ phận Tiếp nhận và Trả kết quả hiện đại", "The equipment provided for visitors at the desk is modern"),
            ("Trang thiết bị phục vụ người dân, tổ chức tại Bộ phận Tiếp nhận và Trả kết quả dễ sử dụng", "The equipment provided for visitors at the desk is easy to use"),
        ]),
        comp("procedure", [
            ("Thủ tục hành chính được niêm yết công khai đầy đủ", "The administrative procedure is posted publicly in full"),
            ("Thủ tục hành chính được niêm yết công khai chính xác", "The administrative procedure is posted publicly and accurately"),
            ("Thành phần hồ sơ mà Ông/Bà phải nộp là đúng quy định", "The documents you had to submit were as the rules require"),
            ("Phí, lệ phí mà Ông/Bà phải nộp là đúng quy định", "The fees you had to pay were as the rules require"),
            ("Thời hạn giải quyết (tính từ ngày hồ sơ được tiếp nhận đến ngày nhận kết quả) là đúng quy định", "The processing time (from receipt of the dossier to the result) was as the rules require"),
        ]),
        comp("staff", [
            ("Công chức có thái độ giao tiếp lịch sự", "The civil servant was polite"),
            ("Công chức chú ý lắng nghe ý kiến của Ông/Bà", "The civil servant listened attentively to you"),
            ("Công chức trả lời, giải thích đầy đủ các ý kiến của Ông/Bà", "The civil servant answered and explained your questions fully"),
            ("Công chức hướng dẫn kê khai hồ sơ tận tình, chu đáo", "The civil servant guided you through the forms thoroughly and with care"),
            ("Công chức hướng dẫn kê khai hồ sơ dễ hiểu", "The civil servant's guidance was easy to understand"),
            ("Công chức tuân thủ đúng quy định trong giải quyết công việc", "The civil servant followed the rules in handling your case"),
        ]),
        comp("result", [
            ("Kết quả mà Ông/Bà nhận được đúng quy định", "The result you received is as the rules require"),
            ("Kết quả mà Ông/Bà nhận được có thông tin đầy đủ", "The result you received has complete information"),
            ("Kết quả mà Ông/Bà nhận được có thông tin chính xác", "The result you received has accurate information"),
        ]),
        comp("feedback", [
            ("Cơ quan có bố trí hình thức tiếp nhận góp ý, phản ánh, kiến nghị", "The office provides a way to receive comments, complaints and petitions"),
            ("Ông/Bà dễ dàng thực hiện góp ý, phản ánh, kiến nghị", "It is easy for you to make comments, complaints or petitions"),
            ("Cơ quan tiếp nhận, xử lý tích cực các góp ý, phản ánh, kiến nghị", "The office receives and handles comments, complaints and petitions actively"),
            ("Cơ quan thông báo kết quả xử lý góp ý, phản ánh, kiến nghị kịp thời", "The office reports the outcome of comments, complaints and petitions in good time"),
        ]),
    ],
    "overall": OVERALL,
    "expectations": {"code": "expect", "kind": "choose",
        "text": t("Theo Ông/Bà, cơ quan cần ưu tiên cải thiện nội dung nào nhất? (có thể chọn nhiều)",
                  "Which areas should the office improve first? (choose any)"),
        "options": [{"code": c, "text": FACTORS[c]} for c in FACTORS] + [{"code": "other", "text": t("Nội dung khác", "Something else")}]},
    "profile": PROFILE,
    "comment": COMMENT,
}

S2023 = {
    "$schema": "./schema.json", "id": "sipas-2023", "version": 1, "method": "sipas", "languages": ["vi", "en"],
    "title": TITLE, "intro": INTRO,
    "source": "Quyết định 1001/QĐ-BNV (2023), phần dịch vụ hành chính công (wording to confirm against the official annex)",
    "scale": scale,
    "components": [
        comp("access", [
            ("Nơi đón tiếp, ngồi chờ tại Bộ phận Một cửa thuận tiện, đủ chỗ ngồi", "The reception and waiting area is convenient, with enough seats"),
            ("Trang thiết bị phục vụ người dân, tổ chức đầy đủ, hiện đại, dễ sử dụng", "The equipment for visitors is sufficient, modern and easy to use"),
            ("Dịch vụ công trực tuyến dễ tìm, dễ truy cập, dễ sử dụng", "Online public services are easy to find, reach and use"),
        ]),
        comp("procedure", [
            ("Thủ tục hành chính được công khai đầy đủ, chính xác", "The procedure is published in full and accurately"),
            ("Thành phần hồ sơ phải nộp là đúng quy định", "The documents required were as the rules say"),
            ("Phí, lệ phí phải nộp là đúng quy định", "The fees were as the rules say"),
            ("Thời hạn giải quyết là đúng quy định", "The processing time was as the rules say"),
        ]),
        comp("staff", [
            ("Công chức có thái độ lịch sự, tôn trọng", "The civil servant was polite and respectful"),
            ("Công chức hướng dẫn tận tình, đầy đủ, dễ hiểu", "The civil servant's guidance was thorough, complete and clear"),
            ("Công chức tuân thủ đúng quy định, không gây phiền hà", "The civil servant followed the rules and caused no trouble"),
        ]),
        comp("result", [
            ("Kết quả nhận được đúng quy định", "The result is as the rules require"),
            ("Kết quả nhận được có thông tin đầy đủ, chính xác", "The result has complete and accurate information"),
            ("Kết quả được trả đúng hẹn", "The result was returned on time"),
        ]),
        comp("feedback", [
            ("Có bố trí hình thức tiếp nhận góp ý, phản ánh, kiến nghị", "There is a way to make comments, complaints and petitions"),
            ("Góp ý, phản ánh, kiến nghị được tiếp nhận, xử lý tích cực", "Comments, complaints and petitions are received and handled actively"),
            ("Kết quả xử lý góp ý, phản ánh, kiến nghị được thông báo kịp thời", "The outcome of comments, complaints and petitions is reported in good time"),
        ]),
    ],
    "overall": OVERALL,
    "expectations": {"code": "expect", "kind": "rate",
        "text": t("Ông/Bà mong muốn cơ quan cải thiện các nội dung sau ở mức nào?", "How much would you like the office to improve each of these?"),
        "levels": [{"value": 1, "text": t("Không mong muốn", "Not wanted")},
                   {"value": 2, "text": t("Khá mong muốn", "Somewhat wanted")},
                   {"value": 3, "text": t("Mong muốn", "Wanted")},
                   {"value": 4, "text": t("Rất mong muốn", "Strongly wanted")}],
        "options": [{"code": c, "text": FACTORS[c]} for c in FACTORS]},
    "profile": PROFILE,
    "comment": COMMENT,
}

QUICK = {
    "$schema": "./schema.json", "id": "quick", "version": 1, "method": "sipas", "languages": ["vi", "en"],
    "title": t("Khảo sát nhanh sự hài lòng", "Quick satisfaction survey"), "intro": INTRO,
    "source": "Hailong: one question per factor of the SIPAS method, for busy desks",
    "scale": scale,
    "components": [
        comp("access", [("Nơi tiếp đón, chỗ ngồi chờ và trang thiết bị", "The reception area, seats and equipment")]),
        comp("procedure", [("Thủ tục, hồ sơ, phí và thời hạn giải quyết đúng như niêm yết", "Procedure, documents, fees and time were as posted")]),
        comp("staff", [("Thái độ và sự hướng dẫn của công chức", "The civil servant's attitude and guidance")]),
        comp("result", [("Kết quả giải quyết đúng, đủ, chính xác", "The result was correct, complete and accurate")]),
        comp("feedback", [("Việc tiếp nhận và xử lý góp ý, phản ánh", "How comments and complaints are received and handled")]),
    ],
    "overall": OVERALL,
    "profile": [PROFILE[1]],
    "comment": COMMENT,
}

out = pathlib.Path(__file__).resolve().parent.parent / "forms"
for f in (S2017, S2023, QUICK):
    (out / f"{f['id']}.json").write_text(json.dumps(f, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
print("wrote", out)
