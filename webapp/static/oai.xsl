<?xml version="1.0" encoding="UTF-8"?>
<!-- OAI-PMH responses as a page a person can read: a browser that opens an /oai address applies
     this stylesheet (named by the response's xml-stylesheet instruction). Harvesters read the XML
     itself and never see it. No inline style or script: the site's Content-Security-Policy holds. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:oai="http://www.openarchives.org/OAI/2.0/" xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"
    xmlns:dc="http://purl.org/dc/elements/1.1/" exclude-result-prefixes="oai oai_dc dc">
  <xsl:output method="html" encoding="UTF-8" indent="yes" doctype-system="about:legacy-compat"/>

  <xsl:template match="/oai:OAI-PMH">
    <html lang="en">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title>OAI-PMH <xsl:value-of select="oai:request/@verb"/> · The Red Soul oral-history archive</title>
        <link rel="stylesheet" href="/static/site.css"/>
      </head>
      <body>
        <main id="main" class="wrap">
          <p class="breadcrumb"><a href="/">The Red Soul oral-history archive</a></p>
          <h1>OAI-PMH: <xsl:value-of select="oai:request/@verb"/></h1>
          <p class="lede">This address serves the archive's records to harvesters (OAI-PMH 2.0). The same records, for
            reading, are on the <a href="/">site</a>.</p>
          <dl class="facts">
            <dt>Request</dt><dd><xsl:value-of select="oai:request"/><xsl:for-each select="oai:request/@*">
              <xsl:text> </xsl:text><xsl:value-of select="name()"/>=<xsl:value-of select="."/></xsl:for-each></dd>
            <dt>Answered</dt><dd><xsl:value-of select="oai:responseDate"/></dd>
          </dl>
          <xsl:apply-templates select="oai:error"/>
          <xsl:apply-templates select="oai:Identify | oai:ListRecords | oai:GetRecord | oai:ListIdentifiers
                                       | oai:ListSets | oai:ListMetadataFormats"/>
        </main>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="oai:error">
    <p class="notice">Error <code><xsl:value-of select="@code"/></code>: <xsl:value-of select="."/></p>
  </xsl:template>

  <xsl:template match="oai:Identify">
    <h2>The repository</h2>
    <dl class="facts">
      <xsl:for-each select="*[not(self::oai:description)]">
        <dt><xsl:value-of select="local-name()"/></dt><dd><xsl:value-of select="."/></dd>
      </xsl:for-each>
    </dl>
    <xsl:apply-templates select=".//oai_dc:dc"/>
  </xsl:template>

  <xsl:template match="oai:ListRecords | oai:GetRecord | oai:ListIdentifiers">
    <h2><xsl:value-of select="count(oai:record | oai:header)"/> records</h2>
    <xsl:for-each select="oai:record | oai:header">
      <article class="source">
        <h3><xsl:choose>
          <xsl:when test=".//dc:title"><xsl:value-of select=".//dc:title[1]"/></xsl:when>
          <xsl:otherwise><xsl:value-of select="descendant-or-self::oai:header/oai:identifier"/></xsl:otherwise>
        </xsl:choose></h3>
        <p class="small">
          <xsl:value-of select="descendant-or-self::oai:header/oai:identifier"/>
          <xsl:if test="descendant-or-self::oai:header/@status"> (<xsl:value-of select="descendant-or-self::oai:header/@status"/>)</xsl:if>
          · <xsl:value-of select="descendant-or-self::oai:header/oai:datestamp"/>
        </p>
        <xsl:apply-templates select=".//oai_dc:dc"/>
      </article>
    </xsl:for-each>
    <xsl:if test="oai:resumptionToken[normalize-space()]">
      <p><a href="?verb={/oai:OAI-PMH/oai:request/@verb}&amp;resumptionToken={oai:resumptionToken}">Next page</a></p>
    </xsl:if>
  </xsl:template>

  <xsl:template match="oai_dc:dc">
    <dl class="facts">
      <xsl:for-each select="dc:*">
        <dt><xsl:value-of select="local-name()"/></dt>
        <dd><xsl:if test="@xml:lang"><xsl:attribute name="lang"><xsl:value-of select="@xml:lang"/></xsl:attribute></xsl:if>
          <xsl:choose>
            <xsl:when test="starts-with(., 'http://') or starts-with(., 'https://')"><a href="{.}"><xsl:value-of select="."/></a></xsl:when>
            <xsl:otherwise><xsl:value-of select="."/></xsl:otherwise>
          </xsl:choose></dd>
      </xsl:for-each>
    </dl>
  </xsl:template>

  <xsl:template match="oai:ListSets">
    <h2>Sets</h2>
    <ul><xsl:for-each select="oai:set"><li><code><xsl:value-of select="oai:setSpec"/></code>: <xsl:value-of select="oai:setName"/></li></xsl:for-each></ul>
  </xsl:template>

  <xsl:template match="oai:ListMetadataFormats">
    <h2>Metadata formats</h2>
    <ul><xsl:for-each select="oai:metadataFormat"><li><code><xsl:value-of select="oai:metadataPrefix"/></code>: <xsl:value-of select="oai:metadataNamespace"/></li></xsl:for-each></ul>
  </xsl:template>
</xsl:stylesheet>
