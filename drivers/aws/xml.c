/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/aws/xml.c - parsing EC2's answers with libxml2, defensively.
 *
 * EC2 answers are plain documents: no DTD, no entities beyond the five
 * predefined ones.  So the parser never touches the network
 * (XML_PARSE_NONET), never loads a DTD and never substitutes entities
 * (no XML_PARSE_NOENT / XML_PARSE_DTDLOAD), keeps libxml2's default depth
 * and size limits (no XML_PARSE_HUGE), and a document that declares a DTD
 * at all is refused before it is parsed: an entity bomb is never expanded,
 * and never read.
 * Text is read only from text and CDATA nodes, so an entity reference
 * left in the tree contributes nothing.
 */
#include "aws.h"

#include <libxml/parser.h>
#include <string.h>

#include "util/macros.h"
#include "util/banned.h"

static void xml_silent(void *ctx, const char *msg, ...)
{
}

int aws_xml_parse(const char *buf, size_t len, xmlDoc **ret, sp_error *err)
{
	xmlDoc *doc;
	xmlNode *root;
	const xmlError *xe;

	if (len > AWS_RESPONSE_MAX)
		return sp_error_set(err, SP_ERR_TOO_LARGE, "EC2 answer of %zu bytes is over the %u-byte cap", len, AWS_RESPONSE_MAX);
	if (len == 0)
		return sp_error_set(err, SP_ERR_CLOUD, "EC2 answer is empty, not XML");
	/* Refused before libxml2 reads a byte of it: a DTD is where entity
	 * bombs and external entities live. */
	if (memmem(buf, len, "<!DOCTYPE", 9))
		return sp_error_set(err, SP_ERR_CLOUD, "EC2 answer declares a DTD; refused");
	xmlSetGenericErrorFunc(NULL, xml_silent);
	doc = xmlReadMemory(buf, (int)len, "ec2.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	if (!doc) {
		xe = xmlGetLastError();
		return sp_error_set(err, SP_ERR_CLOUD, "EC2 answer is not well-formed XML (line %d: %.200s)",
				    xe ? xe->line : 0, xe && xe->message ? xe->message : "parse error");
	}
	if (doc->intSubset || doc->extSubset) {
		xmlFreeDoc(doc);
		return sp_error_set(err, SP_ERR_CLOUD, "EC2 answer declares a DTD; refused");
	}
	if (!(root = xmlDocGetRootElement(doc))) {
		xmlFreeDoc(doc);
		return sp_error_set(err, SP_ERR_CLOUD, "EC2 answer has no root element");
	}
	*ret = doc;
	return 0;
}

static bool named(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->name && !strcmp((const char *)n->name, name);
}

xmlNode *aws_xml_child(const xmlNode *n, const char *name)
{
	if (!n)
		return NULL;
	for (xmlNode *c = n->children; c; c = c->next)
		if (named(c, name))
			return c;
	return NULL;
}

xmlNode *aws_xml_path(const xmlNode *n, const char *path)
{
	char part[128];
	xmlNode *cur = (xmlNode *)n;

	while (cur && *path) {
		size_t len = strcspn(path, "/");

		if (len >= sizeof(part))
			return NULL;
		memcpy(part, path, len);
		part[len] = '\0';
		cur = aws_xml_child(cur, part);
		path += len + (path[len] == '/');
	}
	return cur;
}

const char *aws_xml_text(const xmlNode *n)
{
	if (!n)
		return "";
	for (xmlNode *c = n->children; c; c = c->next)
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
			/* EC2 values are one text node; whitespace-only text
			 * between elements is not a value. */
			if (c->next || c->prev) {
				const char *t = (const char *)c->content;

				if (t[strspn(t, " \t\r\n")] == '\0')
					continue;
			}
			return (const char *)c->content;
		}
	return "";
}

const char *aws_xml_str(const xmlNode *n, const char *path)
{
	return aws_xml_text(aws_xml_path(n, path));
}

xmlNode *aws_xml_next(const xmlNode *n)
{
	for (xmlNode *c = n ? n->next : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && c->name && !strcmp((const char *)c->name, (const char *)n->name))
			return c;
	return NULL;
}

xmlNode *aws_xml_items(const xmlNode *n, const char *path)
{
	return aws_xml_child(aws_xml_path(n, path), "item");
}

/* Whether n has element children, and whether all of them are <item>. */
static void children_kind(const xmlNode *n, bool *ret_any, bool *ret_all_items)
{
	*ret_any = false;
	*ret_all_items = true;
	for (xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		*ret_any = true;
		if (!named(c, "item"))
			*ret_all_items = false;
	}
}

json_t *aws_xml_to_json(const xmlNode *n)
{
	_cleanup_json_ json_t *v = NULL;
	bool any, items;

	if (!n)
		return json_null();
	children_kind(n, &any, &items);
	if (any && items) {
		if (!(v = json_array()))
			return NULL;
		for (xmlNode *c = n->children; c; c = c->next)
			if (c->type == XML_ELEMENT_NODE && json_array_append_new(v, aws_xml_to_json(c)) < 0)
				return NULL;
		return TAKE_PTR(v);
	}
	if (!any)
		return json_string(aws_xml_text(n));
	if (!(v = json_object()))
		return NULL;
	for (xmlNode *c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    json_object_set_new(v, (const char *)c->name, aws_xml_to_json(c)) < 0)
			return NULL;
	return TAKE_PTR(v);
}

json_t *aws_xml_tags(const xmlNode *n, const char **ret_name)
{
	_cleanup_json_ json_t *tags = json_array();

	if (ret_name)
		*ret_name = NULL;
	if (!tags)
		return NULL;
	for (xmlNode *t = aws_xml_items(n, "tagSet"); t; t = aws_xml_next(t)) {
		const char *k = aws_xml_str(t, "key"), *v = aws_xml_str(t, "value");

		if (!strcmp(k, "Name")) {
			if (ret_name)
				*ret_name = v;
			continue;
		}
		if (json_array_append_new(tags, json_pack("{s:s,s:s}", "Key", k, "Value", v)) < 0)
			return NULL;
	}
	return TAKE_PTR(tags);
}
