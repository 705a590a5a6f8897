"""Discovery, the service list and service definitions, in JSON and in the XML of the spec."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from finegrid.catalogue.models import Category, Kind
from tests.open311.spec import example_json, example_xml, json_shape, xml_root, xml_shape

pytestmark = pytest.mark.django_db
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'


def test_discovery_names_our_one_endpoint_in_json_and_xml(client: Client) -> None:
    # when
    as_json = client.get("/open311/v2/discovery.json")
    as_xml = client.get("/open311/v2/discovery.xml")
    # then: the wiki's discovery shape, with our address
    assert as_json.status_code == 200
    assert as_json["Content-Type"] == "application/json; charset=utf-8"
    body = as_json.json()
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    assert body["endpoints"] == [
        {
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": "http://testserver/open311/v2",
            "changeset": body["changeset"],
            "type": "production",
            "formats": ["application/json", "text/xml"],
        }
    ]
    assert as_xml.status_code == 200
    assert as_xml["Content-Type"] == "text/xml; charset=utf-8"
    text = as_xml.content.decode()
    assert text.startswith(XML_DECLARATION)
    root = xml_root(text)
    assert xml_shape(root) == {
        "/discovery",
        "/discovery/changeset",
        "/discovery/contact",
        "/discovery/key_service",
        "/discovery/endpoints",
        "/discovery/endpoints/endpoint",
        "/discovery/endpoints/endpoint/specification",
        "/discovery/endpoints/endpoint/url",
        "/discovery/endpoints/endpoint/changeset",
        "/discovery/endpoints/endpoint/type",
        "/discovery/endpoints/endpoint/formats",
        "/discovery/endpoints/endpoint/formats/format",
    }
    assert [f.text for f in root.iterfind("endpoints/endpoint/formats/format")] == [
        "application/json",
        "text/xml",
    ]


def test_services_list_every_active_category_with_kind_in_the_code(client: Client) -> None:
    # given
    active = Category.objects.filter(is_active=True).count()
    # when
    response = client.get("/open311/v2/services.json")
    # then
    assert response.status_code == 200
    services = response.json()
    assert len(services) == active
    by_code = {s["service_code"]: s for s in services}
    # 01001 is both a part and a matter: two services
    assert by_code["part-01001"]["service_name"] == "供水井盖"
    assert (
        by_code["matter-01001"]["service_name"]
        == Category.objects.get(kind=Kind.MATTER, code="01001").name
    )
    water_cover = by_code["part-01001"]
    assert water_cover == {
        "service_code": "part-01001",
        "service_name": "供水井盖",
        "description": "供水井盖丢失，井口敞开，存在安全隐患；供水井盖破损、松动、移位或与路面高差明显",
        "metadata": True,
        "type": "realtime",
        "keywords": "平, smooth",
        "group": "市政公用设施",
    }


def test_services_json_has_the_fields_of_the_spec_example(client: Client) -> None:
    services = client.get("/open311/v2/services.json").json()
    assert json_shape(services) == json_shape(example_json("json-service-list.json"))


def test_services_xml_has_the_elements_of_the_spec_example(client: Client) -> None:
    response = client.get("/open311/v2/services.xml")
    text = response.content.decode()
    assert text.startswith(XML_DECLARATION)
    root = xml_root(text)
    assert xml_shape(root) == xml_shape(example_xml("xml-service-list.xml"))
    assert len(root) == Category.objects.filter(is_active=True).count()
    first = root[0]
    assert [child.tag for child in first] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert first.findtext("metadata") == "true"


def test_a_part_service_asks_for_the_component_code_and_urgency(client: Client) -> None:
    # when
    response = client.get("/open311/v2/services/part-01001.json")
    # then
    assert response.status_code == 200
    definition = response.json()
    assert definition["service_code"] == "part-01001"
    assert [a["code"] for a in definition["attributes"]] == ["component_code", "urgency"]
    component, urgency = definition["attributes"]
    assert component == {
        "variable": True,
        "code": "component_code",
        "datatype": "string",
        "required": False,
        "datatype_description": "17位数字：6位区划代码、2位大类、3位小类、6位序号",
        "order": 1,
        "description": "部件标识码（部件上喷印的17位编号，不清楚可不填）",
    }
    assert urgency["datatype"] == "singlevaluelist"
    assert urgency["order"] == 2
    assert urgency["values"] == [
        {"key": "A", "name": "A 紧急"},
        {"key": "B", "name": "B 重大"},
        {"key": "C", "name": "C 一般"},
    ]


def test_a_matter_service_asks_only_for_urgency(client: Client) -> None:
    definition = client.get("/open311/v2/services/matter-01001.json").json()
    assert [a["code"] for a in definition["attributes"]] == ["urgency"]


def test_service_definitions_have_the_shape_of_the_spec_examples(client: Client) -> None:
    # the matter's one attribute is a list, as in the example
    as_json = client.get("/open311/v2/services/matter-01001.json").json()
    assert json_shape(as_json) == json_shape(example_json("json-service-definition.json"))
    as_xml = xml_root(client.get("/open311/v2/services/matter-01001.xml").content.decode())
    assert xml_shape(as_xml) == xml_shape(example_xml("xml-service-definition.xml"))
    # the part's string attribute has no values: a subset of the same shape
    part = xml_root(client.get("/open311/v2/services/part-01001.xml").content.decode())
    assert xml_shape(part) == xml_shape(example_xml("xml-service-definition.xml"))
    assert part.findtext("attributes/attribute/datatype_description") == (
        "17位数字：6位区划代码、2位大类、3位小类、6位序号"
    )


@pytest.mark.parametrize("code", ["01001", "part-99999", "P01001", "matter-1001", "x" * 90])
def test_an_unknown_service_code_is_404_in_the_error_shape(client: Client, code: str) -> None:
    response = client.get(f"/open311/v2/services/{code}.json")
    assert response.status_code == 404
    [error] = response.json()
    assert error["code"] == 404
    assert error["description"] == f"服务代码“{code[:40]}”不存在"


def test_an_unknown_service_code_in_xml_uses_the_xml_error_shape(client: Client) -> None:
    response = client.get("/open311/v2/services/part-99999.xml")
    assert response.status_code == 404
    root = xml_root(response.content.decode())
    assert xml_shape(root) == xml_shape(example_xml("xml-errors.xml"))
    assert root.findtext("error/code") == "404"


@pytest.mark.parametrize(
    "path",
    ["discovery.csv", "services.html", "services/part-01001.yaml", "requests.txt", "tokens/x.rss"],
)
def test_an_unknown_format_is_404(client: Client, path: str) -> None:
    response = client.get(f"/open311/v2/{path}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json; charset=utf-8"
    [error] = json.loads(response.content)
    assert error["code"] == 404
    assert "请使用.json或.xml" in error["description"]


def test_an_inactive_category_is_no_service(client: Client) -> None:
    # given
    Category.objects.filter(kind=Kind.PART, code="01001").update(is_active=False)
    # when
    listed = {s["service_code"] for s in client.get("/open311/v2/services.json").json()}
    definition = client.get("/open311/v2/services/part-01001.json")
    # then
    assert "part-01001" not in listed
    assert definition.status_code == 404
