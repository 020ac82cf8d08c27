//! A small OpenAPI 3.1 writer. Operations are added by `Api` as routes are
//! registered; schemas are described here once.

use serde_json::{json, Map, Value};

#[derive(Clone)]
pub struct Op {
    pub tag: &'static str,
    pub summary: &'static str,
    pub description: &'static str,
    pub query: &'static [(&'static str, &'static str, &'static str)],
    pub body: Option<&'static str>,
    pub response: Option<&'static str>,
    pub status: u16,
    pub public: bool,
    /// Media type of a non-JSON request body (the file itself), e.g. `image/*`.
    pub raw_body: Option<&'static str>,
    /// Media type of a non-JSON response (a file), e.g. `image/jpeg`.
    pub binary: Option<&'static str>,
}

impl Op {
    pub const fn new(tag: &'static str, summary: &'static str) -> Op {
        Op {
            tag,
            summary,
            description: "",
            query: &[],
            body: None,
            response: None,
            status: 200,
            public: false,
            raw_body: None,
            binary: None,
        }
    }
    pub const fn desc(mut self, d: &'static str) -> Op {
        self.description = d;
        self
    }
    /// (name, type, description)
    pub const fn query(mut self, q: &'static [(&'static str, &'static str, &'static str)]) -> Op {
        self.query = q;
        self
    }
    pub const fn body(mut self, schema: &'static str) -> Op {
        self.body = Some(schema);
        self
    }
    pub const fn returns(mut self, schema: &'static str) -> Op {
        self.response = Some(schema);
        self
    }
    pub const fn status(mut self, s: u16) -> Op {
        self.status = s;
        self
    }
    pub const fn public(mut self) -> Op {
        self.public = true;
        self
    }
    /// The request body is a file of this media type, not JSON.
    pub const fn raw_body(mut self, media: &'static str) -> Op {
        self.raw_body = Some(media);
        self
    }
    /// The response is a file of this media type, not JSON.
    pub const fn binary(mut self, media: &'static str) -> Op {
        self.binary = Some(media);
        self.response = Some("Binary");
        self
    }
}

/// One documented operation, kept in registration order for the docs page.
#[derive(Clone)]
pub struct Entry {
    pub method: &'static str,
    pub path: &'static str,
    pub op: Op,
}

#[derive(Default)]
pub struct Doc {
    pub entries: Vec<Entry>,
}

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn path_params(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(str::to_owned)
        .collect()
}

impl Doc {
    pub fn add(&mut self, method: &'static str, path: &'static str, op: Op) {
        self.entries.push(Entry { method, path, op });
    }

    pub fn to_json(&self) -> Value {
        let mut paths = Map::new();
        for e in &self.entries {
            let mut params: Vec<Value> = path_params(e.path)
                .into_iter()
                .map(|p| json!({"name": p, "in": "path", "required": true, "schema": {"type": if p == "id" || p == "year" {"integer"} else {"string"}}}))
                .collect();
            params.extend(e.op.query.iter().map(|(n, t, d)| {
                json!({"name": n, "in": "query", "required": false, "description": d, "schema": {"type": t}})
            }));
            let mut responses = Map::new();
            let ok = match (e.op.response, e.op.binary) {
                (Some(s), Some(media)) => {
                    let mut content = Map::new();
                    content.insert(media.into(), json!({"schema": schema_ref(s)}));
                    json!({"description": "成功", "content": content})
                }
                (Some(s), None) => {
                    json!({"description": "成功", "content": {"application/json": {"schema": schema_ref(s)}}})
                }
                (None, _) => json!({"description": "成功（无内容）"}),
            };
            responses.insert(e.op.status.to_string(), ok);
            let err = json!({"description": "错误", "content": {"application/json": {"schema": schema_ref("Error")}}});
            for code in ["400", "401", "403", "404", "409", "422", "429"] {
                responses.insert(code.into(), err.clone());
            }
            if e.op.raw_body.is_some() {
                responses.insert("413".into(), err.clone());
            }
            let mut op = json!({
                "tags": [e.op.tag],
                "summary": e.op.summary,
                "operationId": format!("{}_{}", e.method, e.path.trim_start_matches('/').replace(['/', '{', '}', '-'], "_")),
                "parameters": params,
                "responses": responses,
            });
            if !e.op.description.is_empty() {
                op["description"] = json!(e.op.description);
            }
            if let Some(b) = e.op.body {
                op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": schema_ref(b)}}});
            }
            if let Some(m) = e.op.raw_body {
                let mut content = Map::new();
                content.insert(m.into(), json!({"schema": schema_ref("Binary")}));
                op["requestBody"] = json!({"required": true, "content": content});
            }
            if e.op.public {
                op["security"] = json!([]);
            }
            let key = format!("/api/v1{}", e.path);
            let item = paths.entry(key).or_insert_with(|| json!({}));
            item[e.method] = op;
        }
        json!({
            "openapi": "3.1.0",
            "info": {
                "title": "美镇 meizhen API",
                "version": "1",
                "description": "美丽城镇建设管理平台接口。认证：浏览器会话（Cookie，写操作须带 X-CSRF-Token 请求头，值由 GET /api/v1/session 返回）或 API 令牌（Authorization: Bearer mzt_…）。所有数据按调用者所属区划自动限定范围。错误统一为 {\"error\": {\"code\", \"message\", \"field\"?}}，message 为中文。"
            },
            "servers": [{"url": "/"}],
            "security": [{"bearer": []}, {"cookie": []}],
            "paths": paths,
            "components": {
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer"},
                    "cookie": {"type": "apiKey", "in": "cookie", "name": crate::SESSION_COOKIE}
                },
                "schemas": schemas()
            }
        })
    }
}

fn obj(props: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": props, "required": required})
}

fn page_of(item: &str) -> Value {
    obj(
        json!({"items": {"type": "array", "items": schema_ref(item)}, "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"}}),
        &["items", "total", "page", "per_page"],
    )
}

fn schemas() -> Value {
    let s = json!({"type": "string"});
    let ns = json!({"type": ["string", "null"]});
    let i = json!({"type": "integer"});
    let ni = json!({"type": ["integer", "null"]});
    let b = json!({"type": "boolean"});
    json!({
        "Error": obj(json!({"error": obj(json!({"code": s, "message": s, "field": s}), &["code", "message"])}), &["error"]),
        "Login": obj(json!({"username": s, "password": s}), &["username", "password"]),
        "Session": obj(json!({"user": schema_ref("User"), "csrf_token": ns}), &["user"]),
        "PasswordChange": obj(json!({"current_password": s, "new_password": s}), &["current_password", "new_password"]),
        "User": obj(json!({"id": i, "username": s, "display_name": s, "role": {"type": "string", "enum": meizhen_domain::Role::ALL.map(|r| r.id())}, "region_code": s, "department": ns, "must_change_password": b, "disabled": b, "created_at": i, "updated_at": i}), &["id", "username", "role", "region_code"]),
        "UserListItem": obj(json!({"id": i, "username": s, "display_name": s, "role": s, "region_code": s, "region_name": s, "department": ns, "must_change_password": b, "disabled": b, "created_at": i}), &["id", "username", "role", "region_code"]),
        "UserPage": page_of("UserListItem"),
        "UserInput": obj(json!({"username": s, "display_name": s, "role": s, "region": s, "department": ns, "password": ns}), &["username", "role", "region"]),
        "UserChanges": obj(json!({"display_name": s, "role": s, "region": s, "department": ns, "disabled": b}), &[]),
        "IssuedUser": obj(json!({"user": schema_ref("User"), "one_time_password": ns}), &["user"]),
        "TokenName": obj(json!({"name": s}), &[]),
        "Token": obj(json!({"id": i, "user_id": i, "name": s, "created_at": i, "last_used_at": ni, "revoked_at": ni}), &["id", "name"]),
        "TokenList": {"type": "array", "items": schema_ref("Token")},
        "TokenCreated": obj(json!({"token": s, "info": schema_ref("Token")}), &["token", "info"]),
        "RegionSummary": obj(json!({"code": s, "name": s, "level": s, "parent_code": ns, "town_type": ns}), &["code", "name", "level"]),
        "RegionPage": page_of("RegionSummary"),
        "RegionChild": obj(json!({"code": s, "name": s, "level": s, "town_type": ns, "towns": i, "villages": i, "users": i, "grids": i}), &["code", "name", "level"]),
        "Totals": obj(json!({"cities": i, "counties": i, "towns": i, "villages": i, "users": i, "grids": i}), &[]),
        "Region": obj(json!({
            "code": s, "name": s, "level": {"type": "string", "enum": ["province", "city", "county", "town", "village"]},
            "parent": ns, "town_type": ns,
            "children": {"type": "array", "items": schema_ref("RegionChild")},
            "totals": schema_ref("Totals"),
            "breadcrumb": {"type": "array", "items": obj(json!({"code": s, "name": s}), &["code", "name"])},
            "enrollments": {"type": "array", "items": schema_ref("Enrollment")},
            "grids": {"type": "array", "items": schema_ref("Grid")}
        }), &["code", "name", "level", "parent", "children"]),
        "TownType": obj(json!({"town_type": ns}), &["town_type"]),
        "Enrollment": obj(json!({"town_code": s, "year": i, "kind": {"type": "string", "enum": ["model", "standard"]}}), &["town_code", "year", "kind"]),
        "EnrollmentList": {"type": "array", "items": schema_ref("Enrollment")},
        "EnrollmentInput": obj(json!({"kind": {"type": "string", "description": "model（样板创建）、standard（达标创建）或 none（未列入）"}}), &["kind"]),
        "Grid": obj(json!({"id": i, "town_code": s, "village_code": ns, "name": s, "description": s, "created_at": i}), &["id", "town_code", "name"]),
        "GridList": {"type": "array", "items": schema_ref("Grid")},
        "GridInput": obj(json!({"name": s, "village": ns, "description": s}), &["name"]),
        "AuditEntry": obj(json!({"id": i, "at": i, "actor_id": ni, "actor_name": s, "action": s, "entity": s, "entity_id": s, "region_code": s, "summary": s, "changes": {"type": "string", "description": "JSON：{字段: [修改前, 修改后]}"}, "address": ns}), &["id", "at", "action", "entity"]),
        "AuditPage": page_of("AuditEntry"),
        "ProjectInput": obj(json!({"code": s, "name": s, "pillar": {"type": "string", "description": "五美类别：环境美/生活美/产业美/人文美/治理美 或 id"}, "basic_facility": ns, "is_key": b, "content": s, "owner_unit": s, "responsible_person": s, "funding_sources": s, "total_investment": {"type": "string", "description": "万元，如 1234.5 或 1.2亿元"}, "plans": {"type": "array", "items": obj(json!({"year": i, "amount": s}), &["year", "amount"])}, "planned_start": s, "planned_finish": s, "actual_start": s, "actual_finish": s, "status": s, "progress_text": s, "progress_pct": ni, "land_acquired": s, "land_transferred": s, "graves_moved": s, "households_relocated": s, "problems": s, "correction_reason": s}), &["code", "name", "pillar", "total_investment"]),
        "Project": obj(json!({"id": i, "town_code": s, "code": s, "name": s, "pillar": s, "is_key": b, "status": s, "total_investment_fen": i, "review_state": s, "review_note": s}), &["id", "town_code", "code", "name"]),
        "ProjectListItem": obj(json!({"id": i, "town_code": s, "town_name": s, "code": s, "name": s, "pillar": s, "is_key": b, "status": s, "total_investment_fen": i, "planned_investment_fen": ni, "progress_pct": ni, "review_state": s}), &["id", "code", "name"]),
        "ProjectPage": page_of("ProjectListItem"),
        "ProjectView": obj(json!({"project": schema_ref("Project"), "town_name": s, "plans": {"type": "array"}, "reports": {"type": "array", "items": schema_ref("Report")}, "photos": {"type": "array", "items": schema_ref("Photo")}, "comments": schema_ref("CommentList"), "can_edit": b, "can_review": b, "can_comment": b}), &["project"]),
        "Comment": obj(json!({"id": i, "project_id": i, "town_code": s, "author_id": ni, "author_name": {"type": "string", "description": "发表时的姓名"}, "author_role": {"type": "string", "enum": meizhen_domain::Role::ALL.map(|r| r.id()), "description": "发表时的角色"}, "body": s, "created_at": {"type": "integer", "description": "UTC 毫秒"}}), &["id", "project_id", "town_code", "author_name", "author_role", "body", "created_at"]),
        "CommentList": {"type": "array", "items": schema_ref("Comment")},
        "CommentInput": obj(json!({"body": {"type": "string", "description": "1 至 1000 字"}}), &["body"]),
        "Photo": obj(json!({"id": i, "project_id": i, "report_id": ni, "town_code": s, "sha256": {"type": "string", "description": "原图 SHA-256（十六进制）；相同文件只存一份"}, "content_type": {"type": "string", "enum": ["image/jpeg", "image/png"]}, "bytes": i, "width": {"type": ["integer", "null"], "description": "摆正后的宽度（像素）"}, "height": ni, "taken_at": {"type": ["string", "null"], "description": "EXIF 拍摄时间（相机本地时间），YYYY-MM-DD HH:MM:SS"}, "lat_e6": {"type": ["integer", "null"], "description": "纬度 × 10⁶，南纬为负"}, "lon_e6": {"type": ["integer", "null"], "description": "经度 × 10⁶，西经为负"}, "caption": s, "uploaded_at": i}), &["id", "project_id", "town_code", "sha256", "content_type", "bytes", "caption", "uploaded_at"]),
        "Binary": {"type": "string", "format": "binary", "description": "文件内容本身"},
        "Note": obj(json!({"note": s}), &["note"]),
        "ReportInput": obj(json!({"cumulative_investment": {"type": "string", "description": "开工以来累计完成投资（万元）"}, "status": s, "progress_text": s, "progress_pct": ni, "problems": s, "correction_reason": s}), &["cumulative_investment"]),
        "Report": obj(json!({"id": i, "project_id": i, "year": i, "month": i, "month_fen": i, "cumulative_fen": i, "year_cumulative_fen": i, "status": s, "correction_reason": s}), &["id", "year", "month"]),
        "TownMonth": obj(json!({"town_code": s, "name": s, "projects": i, "reports_submitted": i, "period_state": s, "report_state": s, "report_state_label": s, "due_date": s}), &["town_code"]),
        "TownMonthList": {"type": "array", "items": schema_ref("TownMonth")},
        "Period": obj(json!({"town_code": s, "year": i, "month": i, "state": s, "review_note": s}), &["town_code", "state"]),
        "Review": obj(json!({"accept": b, "note": s}), &["accept"]),
        "ProjectStats": obj(json!({"projects": i, "not_started": i, "started": i, "completed": i, "start_rate": {"type": ["number", "null"]}, "completion_rate": {"type": ["number", "null"]}, "total_investment_wan": {"type": "number"}, "planned_investment_wan": {"type": "number"}, "completed_investment_wan": {"type": "number"}, "total_investment_fen": i, "planned_investment_fen": i, "completed_investment_fen": i, "investment_completion_rate": {"type": ["number", "null"]}}), &["projects", "started", "completed"]),
        "ProjectStatsList": {"type": "array", "items": schema_ref("ProjectStats")},
        "RankingLine": obj(json!({"code": s, "name": s, "stats": schema_ref("ProjectStats"), "rank": ni, "change_label": s}), &["code", "name", "stats"]),
        "RankingList": {"type": "array", "items": schema_ref("RankingLine")},
        "Published": obj(json!({"towns": i}), &["towns"]),
        "GroupCount": obj(json!({"key": s, "projects": i, "total_investment_fen": i, "planned_investment_fen": i}), &["key", "projects"]),
        "Breakdown": obj(json!({"by_pillar": {"type": "array", "items": schema_ref("GroupCount")}, "by_status": {"type": "array", "items": schema_ref("GroupCount")}}), &["by_pillar", "by_status"]),
        "ImportReport": obj(json!({"imported": i, "updated": i, "rejected": {"type": "array", "items": obj(json!({"row": i, "reason": s}), &["row", "reason"])}, "duplicates": {"type": "array", "items": obj(json!({"row": i, "first_row": i}), &["row"])}, "dry_run": b, "sheet": s, "total_investment_fen": i, "planned_investment_fen": i}), &["imported", "updated", "rejected", "duplicates"])
    })
}
